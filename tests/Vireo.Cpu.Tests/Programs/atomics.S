/* LR/SC and AMOs: two harts on two host threads increment shared counters; hart 0 checks the totals. */
#include "common.h"
#define ROUNDS 20000
    .section .text
    .globl _start
_start:
    bnez a0, worker
    /* Single-hart AMO semantics first (hart 0). */
    la s0, scratch
    li t0, -5
    sw t0, 0(s0)
    li t1, 3
    amomin.w t2, t1, (s0)        /* old -5 (sign-extended), min(-5,3) = -5 */
    li t3, -5
    bne t2, t3, fail1
    amominu.w t2, t1, (s0)       /* unsigned min(0xFFFFFFFB, 3) = 3 */
    lw t2, 0(s0)
    li t3, 3
    bne t2, t3, fail2
    li t1, -1
    amomaxu.w t2, t1, (s0)
    lw t2, 0(s0)
    li t3, -1
    bne t2, t3, fail3
    li t1, 0x0F
    amoand.w t2, t1, (s0)
    amoor.w t2, t1, (s0)         /* and left 0x0F; or keeps 0x0F */
    amoxor.w t2, t1, (s0)        /* 0 */
    lw t2, 0(s0)
    bnez t2, fail4
    li t1, 7
    amoswap.d t2, t1, (s0)
    amoadd.d t2, t1, (s0)
    ld t2, 0(s0)
    li t3, 14
    bne t2, t3, fail5
    /* sc without a reservation fails and does not write. */
    li t1, 99
    sc.d t2, t1, (s0)
    beqz t2, fail6
    ld t2, 0(s0)
    bne t2, t3, fail6
    /* lr/sc pair succeeds. */
    lr.d t2, (s0)
    sc.d t4, t1, (s0)
    bnez t4, fail7
    ld t2, 0(s0)
    bne t2, t1, fail7
    /* Misaligned AMO traps (cause 6). */
    la t0, trap
    csrw mtvec, t0
    addi t1, s0, 4
    amoadd.d t2, t1, (t1)
    li t3, 6
    bne s11, t3, fail8
    j contend

    .align 2  /* mtvec holds 4-byte-aligned handlers only */
trap:
    csrr s11, mcause
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret

contend:
    call increment
    /* Wait for the worker. */
    la t0, done
1:  ld t1, 0(t0)
    beqz t1, 1b
    la t0, counter
    ld t1, 0(t0)
    li t2, 2 * ROUNDS
    bne t1, t2, fail9
    ld t1, 8(t0)
    bne t1, t2, fail10
    j pass

worker:
    call increment
    la t0, done
    li t1, 1
    amoswap.d zero, t1, (t0)
1:  j 1b

/* ROUNDS increments of counter with lr/sc and of counter+8 with amoadd. */
increment:
    la t0, counter
    addi t4, t0, 8
    li t3, ROUNDS
1:  lr.d t1, (t0)
    addi t1, t1, 1
    sc.d t2, t1, (t0)
    bnez t2, 1b
    li t1, 1
    amoadd.d zero, t1, (t4)
    addi t3, t3, -1
    bnez t3, 1b
    ret

fail1: FAIL(1)
fail2: FAIL(2)
fail3: FAIL(3)
fail4: FAIL(4)
fail5: FAIL(5)
fail6: FAIL(6)
fail7: FAIL(7)
fail8: FAIL(8)
fail9: FAIL(9)
fail10: FAIL(10)

    REPORT_FAIL

    .data
    .align 6
counter: .dword 0, 0
    .align 6
done: .dword 0
scratch: .dword 0, 0
