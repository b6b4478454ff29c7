/* Shared by the bare-metal test programs: report through the test finisher at 0x100000. */
.option nopic
#define FINISHER 0x100000
#define FAIL(n) li a0, n; j fail

.macro REPORT_FAIL
fail:
    li t0, FINISHER
    slli a0, a0, 16
    li t1, 0x3333
    or a0, a0, t1
    sw a0, 0(t0)
1:  j 1b
pass:
    li t0, FINISHER
    li t1, 0x5555
    sw t1, 0(t0)
2:  j 2b
.endm
