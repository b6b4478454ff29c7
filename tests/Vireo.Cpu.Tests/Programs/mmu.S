/* Sv39/Sv48/Sv57 walks, gigapages, A/D updates, permission and misaligned-superpage faults. */
#include "common.h"
    .option norvc
    .section .text
    .globl _start
_start:
    la t0, m_trap
    csrw mtvec, t0
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    /* Data page and page tables. */
    li t0, 0x80200000
    li t1, 0x1234
    sd t1, 0(t0)
    li t0, 0x80100000          /* Sv39 root */
    li t1, 0x2000000F          /* [1]: 1 GiB at VA 0x40000000 -> PA 0x80000000, RWX, A=D=0 */
    sd t1, 8(t0)
    li t1, 0x20040401          /* [0] -> L1 */
    sd t1, 0(t0)
    li t0, 0x80101000          /* L1 */
    li t1, 0x20040801          /* [0] -> L0 */
    sd t1, 0(t0)
    li t1, 0x20080443          /* [1]: 2 MiB at VA 0x200000 with a misaligned PPN */
    sd t1, 8(t0)
    li t0, 0x80102000          /* L0 */
    li t1, 0x20080043          /* [1] VA 0x1000 -> 0x80200000 read-only, A */
    sd t1, 8(t0)
    li t1, 0x20080053          /* [2] VA 0x2000 user page */
    sd t1, 16(t0)
    li t0, 0x80103000          /* Sv48 root -> Sv39 root */
    li t1, 0x20040001
    sd t1, 0(t0)
    li t0, 0x80104000          /* Sv57 root -> Sv48 root */
    li t1, 0x20040C01
    sd t1, 0(t0)

    li t0, (8 << 60) | 0x80100
    csrw satp, t0
    sfence.vma
    la t0, stage1_done
    la t1, cont
    sd t0, 0(t1)
    la a0, s_stage1
    call enter_s

stage1_done:
    la t0, loaded
    ld t1, 0(t0)
    li t2, 0x1234
    bne t1, t2, fail1
    la t0, nrec
    ld t1, 0(t0)
    li t2, 4
    bne t1, t2, fail2
    la t0, records
    ld t1, 0(t0)
    li t2, 15
    bne t1, t2, fail3
    ld t1, 8(t0)
    li t2, 0x1000
    bne t1, t2, fail3
    ld t1, 16(t0)
    li t2, 13
    bne t1, t2, fail4
    ld t1, 24(t0)
    li t2, 0x2000
    bne t1, t2, fail4
    ld t1, 40(t0)
    li t2, 0x3000
    bne t1, t2, fail5
    ld t1, 48(t0)
    li t2, 13
    bne t1, t2, fail6
    ld t1, 56(t0)
    li t2, 0x200008
    bne t1, t2, fail6
    /* The gigapage PTE got A and D; the read-only 4 KiB PTE did not get D. */
    li t0, 0x80100000
    ld t1, 8(t0)
    andi t1, t1, 0xC0
    li t2, 0xC0
    bne t1, t2, fail7
    li t0, 0x80102000
    ld t1, 8(t0)
    andi t1, t1, 0x80
    bnez t1, fail7

    /* Sv48 */
    li t0, (9 << 60) | 0x80103
    csrw satp, t0
    csrr t1, satp
    bne t0, t1, fail8
    sfence.vma
    la t0, stage2_done
    la t1, cont
    sd t0, 0(t1)
    la a0, s_stage2
    call enter_s
stage2_done:
    la t0, loaded
    ld t1, 8(t0)
    li t2, 0x1234
    bne t1, t2, fail9
    /* Sv57 */
    li t0, (10 << 60) | 0x80104
    csrw satp, t0
    sfence.vma
    la t0, stage3_done
    la t1, cont
    sd t0, 0(t1)
    la a0, s_stage3
    call enter_s
stage3_done:
    la t0, loaded
    ld t1, 16(t0)
    li t2, 0x1234
    bne t1, t2, fail10
    /* An unsupported mode leaves satp unchanged. */
    csrr t0, satp
    li t1, (11 << 60)
    csrw satp, t1
    csrr t1, satp
    bne t0, t1, fail11
    j pass

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
fail11: FAIL(11)

/* Enters S-mode at the gigapage alias (VA = PA - 0x40000000) of a0. */
enter_s:
    li t0, 0x40000000
    sub a0, a0, t0
    csrw mepc, a0
    li t0, 3 << 11
    csrc mstatus, t0
    li t0, 1 << 11
    csrs mstatus, t0
    mret

s_stage1:
    li t1, 0x1000
    ld t2, 0(t1)
    la t3, loaded
    sd t2, 0(t3)
    sd t2, 0(t1)               /* read-only page: store page fault */
    li t1, 0x2000
    ld t2, 0(t1)               /* user page without SUM: load page fault */
    li t1, 0x3000
    ld t2, 0(t1)               /* invalid PTE: load page fault */
    li t1, 0x200008
    ld t2, 0(t1)               /* misaligned megapage: load page fault */
    ecall

s_stage2:
    li t1, 0x1000
    ld t2, 0(t1)
    la t3, loaded
    sd t2, 8(t3)
    ecall

s_stage3:
    li t1, 0x1000
    ld t2, 0(t1)
    la t3, loaded
    sd t2, 16(t3)
    ecall

/* M-mode handler: ecall from S continues at *cont; other exceptions are recorded and skipped. */
m_trap:
    csrr s2, mcause
    li s3, 9
    beq s2, s3, 1f
    la s3, nrec
    ld s4, 0(s3)
    slli s5, s4, 4
    la s6, records
    add s5, s5, s6
    sd s2, 0(s5)
    csrr s6, mtval
    sd s6, 8(s5)
    addi s4, s4, 1
    sd s4, 0(s3)
    csrr s3, mepc
    addi s3, s3, 4
    csrw mepc, s3
    mret
1:  la s3, cont
    ld s3, 0(s3)
    jr s3

    REPORT_FAIL

    .data
    .align 3
cont: .dword 0
nrec: .dword 0
loaded: .dword 0, 0, 0
records: .fill 32, 8, 0
