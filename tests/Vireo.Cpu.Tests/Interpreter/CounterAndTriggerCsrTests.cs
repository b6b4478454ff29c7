using Vireo.Cpu.Jit;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

/// <summary>Counter writes (minstret, mcycle) and the debug trigger CSRs with no triggers, on both engines.</summary>
public sealed class CounterAndTriggerCsrTests
{
    private const int Mcycle = 0xB00;
    private const int Minstret = 0xB02;
    private const int Cycle = 0xC00;
    private const int Instret = 0xC02;

    [Theory]
    [InlineData(Minstret, Minstret, false)]
    [InlineData(Minstret, Instret, false)]
    [InlineData(Mcycle, Mcycle, false)]
    [InlineData(Mcycle, Cycle, false)]
    [InlineData(Minstret, Minstret, true)]
    [InlineData(Minstret, Instret, true)]
    [InlineData(Mcycle, Mcycle, true)]
    [InlineData(Mcycle, Cycle, true)]
    public void A_counter_write_is_what_the_next_read_returns_less_the_instructions_between(int written, int read, bool jit)
    {
        // Issue 19 item 9: the next read used to count the writing instruction itself (one too many).
        JitOptions? options = jit ? new JitOptions { Threshold = 0, Synchronous = true } : null;
        uint[] code =
        [
            .. Li(5, 1000),
            Csrrw(0, written, 5),
            Csrrs(10, read, 0),      // right after the write: exactly 1000
            Addi(6, 0, 1),
            Addi(6, 6, 1),
            Addi(6, 6, 1),
            Csrrs(11, read, 0),      // four instructions later (the read and three addi): 1004
            Wfi,
        ];
        for (int round = 0; round < 3; round++)
        {
            // Rounds two and three run the same code compiled (the first samples it for the JIT).
            using TestMachine m = JitHarness.Loaded(code, options);
            for (int again = 0; again <= round; again++)
            {
                m.Hart.Pc = JitHarness.CodeBase;
                JitHarness.Run(m.Hart, JitHarness.CodeBase + ((ulong)code.Length * 4), jit);
            }

            Assert.Equal(1000ul, m.X(10));
            Assert.Equal(1004ul, m.X(11));
        }
    }

    [Fact]
    public void Trigger_csrs_describe_no_triggers_instead_of_trapping()
    {
        // Issue 19 item 8: the debug spec's "no triggers" case, so Linux and the riscv-tests can probe them.
        using var m = new TestMachine();
        uint[] code =
        [
            Addi(5, 0, 3),
            Csrrw(0, 0x7A0, 5),      // tselect = 3: no such trigger, reads back 0
            Csrrs(10, 0x7A0, 0),
            Csrrs(11, 0x7A1, 0),     // tdata1: type 0, no trigger
            Csrrw(0, 0x7A1, 5),      // writes are ignored
            Csrrs(12, 0x7A1, 0),
            Csrrw(0, 0x7A2, 5),
            Csrrs(13, 0x7A2, 0),
            Csrrs(14, 0x7A3, 0),
            Csrrs(15, 0x7A4, 0),     // tinfo: 1 when the selected trigger does not exist
            Wfi,
        ];
        m.Load(TestMachine.RamBase, code);
        m.Hart.Pc = TestMachine.RamBase;
        for (int i = 0; i < 10; i++)
        {
            m.Step();
        }

        Assert.Equal(TestMachine.RamBase + 40, m.Hart.Pc);
        Assert.Equal(0ul, m.Hart.ReadCsr(0x342)); // no trap
        Assert.Equal([0ul, 0ul, 0ul, 0ul, 0ul, 1ul], new[] { m.X(10), m.X(11), m.X(12), m.X(13), m.X(14), m.X(15) });
    }
}
