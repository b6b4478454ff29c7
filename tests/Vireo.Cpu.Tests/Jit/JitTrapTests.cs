using Vireo.Core.Interrupts;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;
using Vireo.Cpu.State;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;
using static Vireo.Cpu.Tests.Support.JitHarness;

namespace Vireo.Cpu.Tests.Jit;

/// <summary>
/// Traps raised by an instruction inside a compiled region, and interrupts raised while a compiled loop runs: the
/// compiled hart must take them where (and, for exceptions, as often as) the interpreter does.
/// </summary>
public sealed unsafe class JitTrapTests
{
    private const int Mstatus = 0x300;
    private const int Mie = 0x304;
    private const int Mtvec = 0x305;
    private const int Mepc = 0x341;
    private const int Mcause = 0x342;
    private const int Mtval = 0x343;
    private const int CounterRegister = 16;

    /// <summary>An address with neither RAM nor a device behind it: a load from it is an access fault.</summary>
    private const int Unbacked = 0x100;

    [Fact]
    public void A_load_fault_inside_a_compiled_loop_traps_each_iteration_like_the_interpreter()
    {
        uint[] code =
        [
            Auipc(7, 0), // 0: x7 = the code's base
            Addi(8, 7, 64), // 4: the handler
            Csrrw(0, Mtvec, 8), // 8
            Addi(CounterRegister, 0, 40), // 12
            Addi(9, 0, Unbacked), // 16
            Addi(5, 5, 1), // 20: the loop head
            Lw(6, 9, 0), // 24: faults every iteration
            Addi(10, 10, 3), // 28: runs after the handler skips the load
            Addi(CounterRegister, CounterRegister, -1), // 32
            Bne(CounterRegister, 0, -16), // 36: back to 20
            Wfi, // 40
            Nop, Nop, Nop, Nop, Nop, // 44-60
            Addi(12, 12, 1), // 64: the handler counts the trap,
            Csrrs(13, Mepc, 0), // 68
            Addi(13, 13, 4), // 72: skips the faulting load
            Csrrw(0, Mepc, 13), // 76
            Mret, // 80
        ];
        using TestMachine interpreted = Loaded(code, jit: null);
        using TestMachine compiled = Loaded(code, new JitOptions { Threshold = 0, Synchronous = true });

        Run(interpreted.Hart, CodeBase + 44, jit: false);
        Run(compiled.Hart, CodeBase + 44, jit: true);

        Assert.Equal(40ul, compiled.X(12));
        Assert.Equal(120ul, compiled.X(10));
        for (int r = 1; r < 32; r++)
        {
            Assert.True(interpreted.X(r) == compiled.X(r), $"x{r} is {compiled.X(r):x} compiled, {interpreted.X(r):x} interpreted");
        }

        Assert.Equal(interpreted.Hart.InstructionsRetired, compiled.Hart.InstructionsRetired);
        Assert.Equal(TrapCause.LoadAccessFault, compiled.Hart.ReadCsr(Mcause));
        Assert.Equal((ulong)Unbacked, compiled.Hart.ReadCsr(Mtval));
        Assert.Equal(interpreted.Hart.ReadCsr(Mepc), compiled.Hart.ReadCsr(Mepc));

        // The fault came from compiled code: the loop (load included) is a region.
        DecodedPage page = CodePage(compiled);
        Assert.True(Slot(page, 20)->IsRegionEntry, "the loop was not compiled");
        Assert.True(page.Jit!.Covers(OffsetOf(24)), "the faulting load is not in the region");
    }

    [Fact]
    public void An_interrupt_raised_while_a_compiled_loop_spins_is_taken_within_a_block()
    {
        uint[] code =
        [
            Auipc(7, 0), // 0
            Addi(8, 7, 64), // 4: the handler
            Csrrw(0, Mtvec, 8), // 8
            Addi(5, 5, 1), // 12: the loop head, spinning until the handler sets x6
            Addi(11, 11, 2), // 16
            Beq(6, 0, -8), // 20: back to 12
            Wfi, // 24
            Nop, Nop, Nop, Nop, Nop, Nop, Nop, Nop, Nop, // 28-60
            Addi(6, 0, 1), // 64: the handler ends the loop
            Addi(13, 0, (int)MipBits.Msip), // 68
            Csrrc(0, Mie, 13), // 72: and masks the interrupt (its pending bit is the device's)
            Mret, // 76
        ];

        foreach (bool jit in new[] { false, true })
        {
            using TestMachine m = Loaded(code, jit ? new JitOptions { Threshold = 0, Synchronous = true } : null);
            Hart hart = m.Hart;
            hart.WriteCsr(Mie, MipBits.Msip);
            hart.WriteCsr(Mstatus, 1UL << 3);
            ulong raisedAt = 0;
            ulong takenAt = 0;
            for (int blocks = 0; hart.Pc != CodeBase + 28; blocks++)
            {
                Assert.True(blocks < 10_000, $"jit={jit}: the loop never ended (pc {hart.Pc:x})");
                if (blocks == 50)
                {
                    hart.SetPending(MipBits.Msip, true);
                    raisedAt = hart.InstructionsRetired;
                }

                // As the run loop does between blocks: take a pending interrupt, else run a block.
                ulong before = hart.InstructionsRetired;
                hart.Step();
                if (takenAt == 0 && hart.ReadCsr(Mcause) == (1UL << 63 | 3))
                {
                    takenAt = before;
                }

                hart.RunBlock(97);
                if (jit)
                {
                    hart.Jit!.AfterBlock();
                }
            }

            Assert.True(takenAt != 0, $"jit={jit}: the interrupt was never taken");
            Assert.True(takenAt - raisedAt <= 97 + 1, $"jit={jit}: the interrupt waited {takenAt - raisedAt} instructions");
            Assert.Equal(1ul, m.X(6));
            Assert.Equal(2 * m.X(5), m.X(11));
            ulong mepc = hart.ReadCsr(Mepc);
            Assert.InRange(mepc, CodeBase + 12, CodeBase + 20);
            if (jit)
            {
                Assert.True(Slot(CodePage(m), 12)->IsRegionEntry, "the spinning loop was not compiled");
            }
        }
    }
}
