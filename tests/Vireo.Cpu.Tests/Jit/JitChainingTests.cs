using Vireo.Cpu.Jit;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Jit;

/// <summary>A region leaving for another region's entry calls it directly while the block has budget left.</summary>
public sealed class JitChainingTests
{
    private const ulong Base = TestMachine.RamBase;
    private const int CounterRegister = 16;

    [Fact]
    public void Calls_between_pages_run_region_to_region_with_the_interpreters_registers_and_count()
    {
        using TestMachine interpreted = Prepared(jit: null, iterations: 500);
        using TestMachine compiled = Prepared(new JitOptions { Threshold = 0, Synchronous = true }, iterations: 500);
        RunToEnd(interpreted, jit: false);
        RunToEnd(compiled, jit: true);

        Assert.Equal(500ul, compiled.X(6));
        Assert.Equal(1000ul, compiled.X(7));
        Assert.Equal(interpreted.Hart.InstructionsRetired, compiled.Hart.InstructionsRetired);
        Assert.True(compiled.Hart.Jit!.RegionsInstalled >= 2, "both pages should hold regions");
    }

    [Fact]
    public void A_chain_of_regions_still_ends_its_block_when_the_budget_is_spent()
    {
        // Far longer than the blocks below: a chain that ignored the budget would run through the whole loop at once.
        using TestMachine m = Prepared(new JitOptions { Threshold = 0, Synchronous = true }, iterations: 1000);
        for (int i = 0; i < 20; i++)
        {
            m.Hart.RunBlock(200);
            m.Hart.Jit!.AfterBlock();
        }

        Assert.True(m.Hart.Jit!.RegionsInstalled >= 2);
        for (int i = 0; i < 50; i++)
        {
            ulong before = m.Hart.InstructionsRetired;
            m.Hart.RunBlock(40);
            ulong ran = m.Hart.InstructionsRetired - before;

            // A region checks the budget at backward jumps and before each chained call; it may finish the straight run
            // it is in (a few instructions here), never run on through the loop.
            Assert.InRange(ran, 40ul, 48ul);
        }
    }

    /// <summary>A loop at the page start calling a function at the next page's start, as in the CPU benchmark.</summary>
    private static TestMachine Prepared(JitOptions? jit, int iterations)
    {
        var m = new TestMachine(jit: jit);
        m.Load(Base,
            Addi(CounterRegister, 0, iterations), // 0 (up to 2047)
            Jal(1, 0x1000 - 4), // 4: the loop: call the next page
            Addi(6, 6, 1), // 8
            Addi(CounterRegister, CounterRegister, -1), // 12
            Bne(CounterRegister, 0, -12), // 16: back to 4
            Wfi); // 20
        m.Load(Base + 0x1000,
            Addi(7, 7, 1), // the callee
            Addi(7, 7, 1),
            Jalr(0, 1, 0)); // ret
        m.Hart.Pc = Base;
        return m;
    }

    private static void RunToEnd(TestMachine m, bool jit) => JitHarness.Run(m.Hart, Base + 24, jit);
}
