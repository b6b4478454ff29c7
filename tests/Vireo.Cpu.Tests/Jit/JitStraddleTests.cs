using Vireo.Cpu.Jit;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Jit;

/// <summary>A 4-byte instruction in a page's last halfword, compiled behind a check of the next page's first halfword.</summary>
public sealed class JitStraddleTests
{
    private const ulong Base = TestMachine.RamBase;
    private const int CounterRegister = 16;
    private const ulong Head = Base + 0xFF8;
    private const ulong End = Base + 0x100E;

    [Fact]
    public void A_loop_through_a_straddling_instruction_compiled_matches_the_interpreter()
    {
        using TestMachine interpreted = Prepared(jit: null, iterations: 300);
        using TestMachine compiled = Prepared(new JitOptions { Threshold = 0, Synchronous = true }, iterations: 300);
        JitHarness.Run(interpreted.Hart, End, jit: false);
        JitHarness.Run(compiled.Hart, End, jit: true);

        Assert.Equal(900ul, compiled.X(6));
        Assert.Equal(300ul, compiled.X(5));
        Assert.Equal(interpreted.Hart.InstructionsRetired, compiled.Hart.InstructionsRetired);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_changed_upper_half_on_the_next_page_is_seen_by_the_compiled_region(bool straddlerIsLoopHead)
    {
        ulong[] retired = new ulong[2];
        for (int i = 0; i < 2; i++)
        {
            using TestMachine m = Prepared(i == 0 ? null : new JitOptions { Threshold = 0, Synchronous = true }, iterations: 400, straddlerIsLoopHead);

            // 300 iterations with addi x6, x6, 3; then the next page's first halfword turns it into addi x6, x6, 5.
            for (int blocks = 0; m.X(CounterRegister) > 100; blocks++)
            {
                Assert.True(blocks < 100_000);
                m.Hart.RunBlock(7);
                m.Hart.Jit?.AfterBlock();
            }

            ulong done = 400 - m.X(CounterRegister);
            m.Load16(Base + 0x1000, 0x0053);
            JitHarness.Run(m.Hart, End, jit: i == 1);
            Assert.Equal((done * 3) + ((400 - done) * 5), m.X(6));
            Assert.Equal(straddlerIsLoopHead ? 0ul : 400ul, m.X(5));
            retired[i] = m.Hart.InstructionsRetired;
        }

        // Where each stopped after 300 iterations differs by a block; the instructions run in all do not.
        Assert.Equal(retired[0], retired[1]);
    }

    /// <summary>
    /// At the page's end: c.addi x5, 1; c.nop; c.nop; addi x6, x6, 3 from 0xFFE to 0x1001; then on the next page the
    /// counter and the loop branch back (to 0xFF8, or to the straddling instruction itself, which then starts a block and
    /// is a region entry), and wfi.
    /// </summary>
    private static TestMachine Prepared(JitOptions? jit, int iterations, bool straddlerIsLoopHead = false)
    {
        var m = new TestMachine(jit: jit);
        uint straddling = Addi(6, 6, 3);
        m.Load16(Base + 0xFF8, 0x0285, 0x0001, 0x0001, (ushort)straddling, (ushort)(straddling >> 16));
        m.Load(Base + 0x1002,
            Addi(CounterRegister, CounterRegister, -1),
            Bne(CounterRegister, 0, straddlerIsLoopHead ? -8 : -14), // back to 0xFFE or 0xFF8
            Wfi);
        m.Hart.SetRegister(CounterRegister, (ulong)iterations);
        m.Hart.Pc = straddlerIsLoopHead ? Base + 0xFFE : Head;
        return m;
    }
}
