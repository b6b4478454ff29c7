/* WFI wake-ups on the virt board's CLINT (run as firmware with vireo run --bios): M timer and M software interrupts
   taken from M-mode, an M timer waking WFI with MIE clear, an S timer from Sstc's stimecmp, and an S timer without
   Sstc that M-mode forwards as STIP (what OpenSBI does). Each WFI loop must end by an interrupt, not by a timeout. */
#include "common.h"
#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8
#define DELAY 200000              /* 20 ms at 10 MHz */

/* Waits for the handler to set \flag: the check runs with interrupts off (WFI still wakes on a pending interrupt
   then), and the interrupt is taken in the window where they are on, so no wake-up is lost between check and WFI. */
.macro WAIT_M flag
1:  csrci mstatus, 8
    bnez \flag, 2f
    wfi
    csrsi mstatus, 8
    j 1b
2:
.endm
.macro WAIT_S flag
1:  csrci sstatus, 2
    bnez \flag, 2f
    wfi
    csrsi sstatus, 2
    j 1b
2:
.endm
    .section .text.init
    .globl _start
_start:
    la t0, mtrap
    csrw mtvec, t0
    li t0, -1                      /* PMP: S-mode may access everything */
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    li s1, 0
    li s2, 0

    /* 1: M timer, taken in M-mode. */
    li t0, CLINT_MTIME
    ld t1, 0(t0)
    li t2, DELAY
    add s5, t1, t2
    li t0, CLINT_MTIMECMP
    sd s5, 0(t0)
    li t0, 0x80
    csrw mie, t0
    WAIT_M s1
    li t0, CLINT_MTIME
    ld t1, 0(t0)
    bltu t1, s5, fail1

    /* 2: M software interrupt (own msip), taken in M-mode. */
    li s1, 0
    li t0, 0x8
    csrw mie, t0
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    WAIT_M s1

    /* 3: M timer with MIE clear: WFI resumes without a trap, MTIP is pending. */
    li s1, 0
    li t0, CLINT_MTIME
    ld t1, 0(t0)
    li t2, DELAY
    add s5, t1, t2
    li t0, CLINT_MTIMECMP
    sd s5, 0(t0)
    li t0, 0x80
    csrw mie, t0
1:  wfi
    csrr t0, mip
    andi t0, t0, 0x80
    beqz t0, 1b
    bnez s1, fail3
    li t0, CLINT_MTIMECMP
    li t1, -1
    sd t1, 0(t0)

    /* 4: S timer from stimecmp (Sstc), taken in S-mode. */
    li t0, 1
    slli t0, t0, 63
    csrw menvcfg, t0
    li t0, 2                       /* mcounteren.TM: S may read time and write stimecmp */
    csrw mcounteren, t0
    li t0, 0x20
    csrw mideleg, t0
    csrw mie, t0
    la t0, strap
    csrw stvec, t0
    li s4, 0
    li s3, 1                       /* the S handler clears stimecmp itself */
    la t0, stimer_sstc
    jal enter_s
    bnez s6, fail4

    /* 5: S timer without Sstc: M-mode turns its timer interrupt into STIP, S-mode takes that. */
    csrw menvcfg, zero
    li t0, 0xA0
    csrw mie, t0
    li s2, 1                       /* the M handler forwards MTIP as STIP */
    li s3, 0                       /* the S handler asks M (ecall) to clear STIP */
    li s4, 0
    la t0, stimer_forwarded
    jal enter_s
    bnez s6, fail5
    j pass

/* Enters S-mode at t0 with SIE set; the S code returns here with ecall a7=2. */
enter_s:
    mv s7, ra
    csrw mepc, t0
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x800                   /* MPP = S */
    csrs mstatus, t0
    csrsi mstatus, 2               /* SIE */
    mret

stimer_sstc:
    csrr t1, time
    li t2, DELAY
    add t1, t1, t2
    csrw stimecmp, t1
    WAIT_S s4
    li s6, 0
    li a7, 2
    ecall

stimer_forwarded:
    li t0, CLINT_MTIME             /* S-mode reaches the CLINT here: no PMP or paging set up */
    ld t1, 0(t0)
    li t2, DELAY
    add t1, t1, t2
    li t0, CLINT_MTIMECMP
    sd t1, 0(t0)
    WAIT_S s4
    li s6, 0
    li a7, 2
    ecall

    .align 2
strap:
    csrr t5, scause
    li t6, 1
    slli t6, t6, 63
    addi t6, t6, 5
    bne t5, t6, fail6
    li s4, 1
    beqz s3, 1f
    li t5, -1
    csrw stimecmp, t5
    sret
1:  li a7, 1
    ecall
    sret

    .align 2
mtrap:
    csrr t5, mcause
    li t6, 1
    slli t6, t6, 63
    addi t6, t6, 7
    beq t5, t6, mtimer
    addi t6, t6, -4
    beq t5, t6, msoft
    li t6, 9
    beq t5, t6, secall
    FAIL(7)
mtimer:
    li t5, CLINT_MTIMECMP
    li t6, -1
    sd t6, 0(t5)
    beqz s2, 1f
    li t5, 0x20
    csrs mip, t5
    mret
1:  li s1, 1
    mret
msoft:
    li t5, CLINT_MSIP
    sw zero, 0(t5)
    li s1, 1
    mret
secall:
    li t6, 2
    beq a7, t6, 1f
    li t5, 0x20
    csrc mip, t5
    csrr t5, mepc
    addi t5, t5, 4
    csrw mepc, t5
    mret
1:  mv ra, s7
    ret

fail1: FAIL(1)
fail3: FAIL(3)
fail4: FAIL(4)
fail5: FAIL(5)
fail6: FAIL(6)
REPORT_FAIL
