/* F/D wiring: NaN-boxing, FS tracking, rounding modes, fflags, conversions, loads/stores (incl. RVC). */
#include "common.h"
    .section .text
    .globl _start
_start:
    la t0, trap
    csrw mtvec, t0
    /* FS = Off: FP instructions and fcsr are illegal, tval holds the bits. */
    li t0, 3 << 13
    csrc mstatus, t0
    li s11, 0
    fadd.s f1, f2, f3
    li t1, 2
    bne s11, t1, fail1
    csrr t1, mtval
    li t2, 0x003170d3          /* fadd.s f1, f2, f3 (rm = dyn) */
    bne t1, t2, fail1
    /* FS = Initial: a write makes it Dirty and sets SD. */
    li t0, 1 << 13
    csrs mstatus, t0
    li t1, 0x40400000          /* 3.0f */
    fmv.w.x f1, t1
    csrr t1, mstatus
    srli t2, t1, 13
    andi t2, t2, 3
    li t3, 3
    bne t2, t3, fail2
    bgez t1, fail2
    /* Single-precision arithmetic and NaN-boxing of the result. */
    li t1, 0x3f800000          /* 1.0f */
    fmv.w.x f2, t1
    fadd.s f3, f1, f2          /* 4.0f */
    fmv.x.d t1, f3
    li t2, 0xFFFFFFFF40800000
    bne t1, t2, fail3
    /* An improperly boxed input reads as the canonical NaN. */
    li t1, 0x3f800000
    fmv.d.x f4, t1
    fadd.s f5, f4, f2
    fmv.x.w t1, f5
    li t2, 0x7fc00000
    bne t1, t2, fail4
    /* Fused multiply-add variants in double. */
    li t1, 0x4000000000000000  /* 2.0 */
    fmv.d.x f6, t1
    li t1, 0x4008000000000000  /* 3.0 */
    fmv.d.x f7, t1
    li t1, 0x3ff0000000000000  /* 1.0 */
    fmv.d.x f8, t1
    fmadd.d f9, f6, f7, f8     /* 7 */
    fmsub.d f10, f6, f7, f8    /* 5 */
    fnmsub.d f11, f6, f7, f8   /* -5 */
    fnmadd.d f12, f6, f7, f8   /* -7 */
    fcvt.l.d t1, f9
    li t2, 7
    bne t1, t2, fail5
    fcvt.l.d t1, f10
    li t2, 5
    bne t1, t2, fail5
    fcvt.l.d t1, f11
    li t2, -5
    bne t1, t2, fail5
    fcvt.l.d t1, f12
    li t2, -7
    bne t1, t2, fail5
    /* fflags: 1/0 raises DZ; 1/3 raises NX; flags accrue. */
    csrw fflags, zero
    fmv.d.x f13, zero
    fdiv.d f14, f8, f13
    csrr t1, fflags
    li t2, 8
    bne t1, t2, fail6
    fdiv.d f14, f8, f7
    csrr t1, fflags
    li t2, 9
    bne t1, t2, fail6
    /* Static rounding modes on a conversion: 2.5 -> 2 (rne), 3 (rup), 2 (rtz), 3 (rmm). */
    li t1, 0x4004000000000000
    fmv.d.x f15, t1
    fcvt.w.d t1, f15, rne
    li t2, 2
    bne t1, t2, fail7
    fcvt.w.d t1, f15, rup
    li t2, 3
    bne t1, t2, fail7
    fcvt.w.d t1, f15, rtz
    li t2, 2
    bne t1, t2, fail7
    fcvt.w.d t1, f15, rmm
    li t2, 3
    bne t1, t2, fail7
    /* Dynamic rounding through frm. */
    li t1, 3
    csrw frm, t1
    fcvt.w.d t1, f15
    li t2, 3
    bne t1, t2, fail8
    /* frm > 4 makes dynamic-rm instructions illegal. */
    li t1, 5
    csrw frm, t1
    li s11, 0
    fcvt.w.d t1, f15
    li t2, 2
    bne s11, t2, fail9
    csrw frm, zero
    /* Saturating conversions: NaN -> max, -inf... ; fcvt.wu of negative -> 0 with NV. */
    csrw fflags, zero
    li t1, 0xbff0000000000000  /* -1.0 */
    fmv.d.x f16, t1
    fcvt.wu.d t1, f16
    bnez t1, fail10
    csrr t1, fflags
    li t2, 16
    bne t1, t2, fail10
    li t1, 0x7ff8000000000000
    fmv.d.x f17, t1
    fcvt.w.d t1, f17
    li t2, 0x7fffffff
    bne t1, t2, fail10
    /* fcvt.wu.s result is sign-extended: 4e9 saturates... 3e9 -> 0xFFFFFFFFB2D05E00. */
    li t1, 0x4f32d05e          /* 3.0e9f */
    fmv.w.x f18, t1
    fcvt.wu.s t1, f18
    li t2, 0xFFFFFFFFB2D05E00
    bne t1, t2, fail11
    /* Sign injection and classify. */
    fsgnjn.d f19, f8, f8       /* -1.0 */
    fclass.d t1, f19
    li t2, 2                   /* negative normal */
    bne t1, t2, fail12
    fclass.s t1, f4            /* unboxed -> canonical NaN -> quiet NaN class */
    li t2, 0x200
    bne t1, t2, fail12
    /* Comparisons. */
    flt.d t1, f19, f8
    beqz t1, fail13
    feq.d t1, f17, f17
    bnez t1, fail13
    /* Loads and stores, 32- and 16-bit encodings. */
    la a0, buffer
    fsd f9, 0(a0)
    fld f20, 0(a0)
    feq.d t1, f20, f9
    beqz t1, fail14
    fsw f3, 8(a0)
    flw f21, 8(a0)
    fmv.x.d t1, f21
    li t2, 0xFFFFFFFF40800000
    bne t1, t2, fail14
    c.fsd f9, 16(a0)
    c.fld f10, 16(a0)
    feq.d t1, f10, f9
    beqz t1, fail15
    /* Conversions between formats and from integers. */
    fcvt.s.d f22, f9           /* 7.0f */
    fmv.x.w t1, f22
    li t2, 0x40e00000
    bne t1, t2, fail16
    fcvt.d.s f23, f22
    feq.d t1, f23, f9
    beqz t1, fail16
    li t1, -3
    fcvt.d.l f24, t1
    fcvt.l.d t2, f24
    bne t1, t2, fail16
    j pass

    .align 2  /* mtvec holds 4-byte-aligned handlers only */
trap:
    csrr s11, mcause
    csrr t6, mepc
    addi t6, t6, 4
    csrw mepc, t6
    mret

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
fail12: FAIL(12)
fail13: FAIL(13)
fail14: FAIL(14)
fail15: FAIL(15)
fail16: FAIL(16)

    REPORT_FAIL

    .data
    .align 4
buffer: .fill 8, 8, 0
