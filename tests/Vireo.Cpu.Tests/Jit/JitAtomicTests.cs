using Vireo.Cpu.Jit;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;
using static Vireo.Cpu.Tests.Support.JitHarness;

namespace Vireo.Cpu.Tests.Jit;

/// <summary>AMOs that compiled regions run with host interlocked instructions, against the interpreter.</summary>
public sealed class JitAtomicTests
{
    private const ulong DataBase = TestMachine.RamBase + 0x20000;
    private const int CounterRegister = 16;

    // funct5 of amoswap, amoadd, amoand, amoor.
    private const uint Swap = 0x01;
    private const uint Add = 0x00;
    private const uint And = 0x0C;
    private const uint Or = 0x08;

    [Fact]
    public void Compiled_amos_on_ram_leave_the_same_registers_memory_and_count_as_the_interpreter()
    {
        // x10 = data, x11..x13 operands; each iteration changes the operands so every AMO sees new values.
        uint[] code =
        [
            Amo(Add, word: true, 20, 10, 11), // 0: the loop head
            Amo(Add, word: false, 0, 10, 12), // 4: no destination: the memory still changes
            Addi(10, 10, 8),
            Amo(Swap, word: true, 21, 10, 13),
            Amo(Swap, word: false, 22, 10, 11),
            Addi(10, 10, 8),
            Amo(And, word: true, 23, 10, 12),
            Amo(And, word: false, 24, 10, 13),
            Addi(10, 10, 8),
            Amo(Or, word: true, 25, 10, 11),
            Amo(Or, word: false, 26, 10, 12),
            Addi(10, 10, -24),
            Add(11, 11, 12), // operands drift
            R(0x33, 4, 0, 12, 12, 13), // xor
            Addi(13, 13, -77),
            Addi(CounterRegister, CounterRegister, -1),
            Bne(CounterRegister, 0, -64), // back to 0
            Wfi,
        ];
        using TestMachine interpreted = Prepared(code, jit: null);
        using TestMachine compiled = Prepared(code, new JitOptions { Threshold = 0, Synchronous = true });
        ulong end = CodeBase + ((ulong)code.Length * 4);
        Run(interpreted.Hart, end, jit: false);
        Run(compiled.Hart, end, jit: true);

        Assert.True(compiled.Hart.Jit!.RegionsInstalled > 0);
        for (int r = 10; r <= 26; r++)
        {
            Assert.True(interpreted.X(r) == compiled.X(r), $"x{r} is {compiled.X(r):x} compiled, {interpreted.X(r):x} interpreted");
        }

        for (ulong at = 0; at < 32; at += 8)
        {
            Assert.Equal(interpreted.Read64(DataBase + at), compiled.Read64(DataBase + at));
        }

        Assert.Equal(interpreted.Hart.InstructionsRetired, compiled.Hart.InstructionsRetired);
    }

    [Fact]
    public void A_misaligned_amo_in_a_compiled_region_traps_like_the_interpreter()
    {
        uint[] code =
        [
            Addi(5, 5, 1), // 0: the loop head
            Addi(CounterRegister, CounterRegister, -1),
            Bne(CounterRegister, 0, -8), // back to 0
            Amo(Add, word: true, 20, 10, 11), // 12: x10 is misaligned by then
            Wfi,
        ];
        ulong[] mcause = new ulong[2];
        ulong[] mtval = new ulong[2];
        ulong[] mepc = new ulong[2];
        for (int i = 0; i < 2; i++)
        {
            using TestMachine m = Prepared(code, i == 0 ? null : new JitOptions { Threshold = 0, Synchronous = true });
            m.Hart.SetRegister(10, DataBase + 2);
            m.Hart.WriteCsr(0x305, CodeBase + 0x100); // mtvec: a wfi there
            m.Write32(CodeBase + 0x100, Wfi);
            Run(m.Hart, CodeBase + 0x104, jit: i == 1);
            mcause[i] = m.Hart.ReadCsr(0x342);
            mtval[i] = m.Hart.ReadCsr(0x343);
            mepc[i] = m.Hart.ReadCsr(0x341);
            Assert.Equal(0u, m.Read32(DataBase));
        }

        Assert.Equal(6ul, mcause[1]); // store/AMO address misaligned
        Assert.Equal(mcause[0], mcause[1]);
        Assert.Equal(DataBase + 2, mtval[1]);
        Assert.Equal(mtval[0], mtval[1]);
        Assert.Equal(CodeBase + 12, mepc[1]);
    }

    private static TestMachine Prepared(uint[] code, JitOptions? jit)
    {
        TestMachine m = Loaded(code, jit);
        m.AllowAllPhysicalMemory();
        m.Hart.SetRegister(10, DataBase);
        m.Hart.SetRegister(11, 0x1234_5678_9abc_def1);
        m.Hart.SetRegister(12, 0x0f0f_0f0f_8000_0001);
        m.Hart.SetRegister(13, 0xffff_0000_ffff_0000);
        m.Hart.SetRegister(CounterRegister, 300);
        for (ulong at = 0; at < 32; at += 8)
        {
            m.Write64(DataBase + at, 0x5555_aaaa_0000_0000 + at);
        }

        return m;
    }
}
