using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

public sealed class AllocationTests
{
    [Fact]
    public void Executing_instructions_and_taking_traps_allocates_nothing()
    {
        const ulong Base = TestMachine.RamBase;
        using var m = new TestMachine();
        m.Hart.WriteCsr(0x305, Base + 0x100);
        m.Hart.SetRegister(8, Base + 0x8000);
        m.Load(
            Base,
            Addi(5, 5, 1),
            Sd(5, 8, 0),
            Ld(6, 8, 0),
            Add(7, 7, 6),
            Ecall, // to the M handler, which returns past it
            Jal(0, -20));
        m.Load(
            Base + 0x100,
            Csrrs(28, 0x341, 0),
            Addi(28, 28, 4),
            Csrrw(0, 0x341, 28),
            Mret);
        m.Hart.Pc = Base;
        Run(m, 100_000); // warm up: decode, JIT, TLB fill
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(m, 1_000_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(m.X(5) > 100_000);
    }

    /// <summary>Blocks end early at xRET and CSR writes, so run blocks until enough instructions retired.</summary>
    private static void Run(TestMachine m, long instructions)
    {
        ulong target = m.Hart.InstructionsRetired + (ulong)instructions;
        while (m.Hart.InstructionsRetired < target)
        {
            m.Hart.RunBlock(1024);
        }
    }
}
