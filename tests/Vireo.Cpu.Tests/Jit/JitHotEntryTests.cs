using Vireo.Core.Memory;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;
using Vireo.Cpu.State;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;
using static Vireo.Cpu.Tests.Support.JitHarness;

namespace Vireo.Cpu.Tests.Jit;

/// <summary>
/// How hot code outside compiled regions gets found: entries into interpreted code are counted per pc, and a region
/// asked for at a place another region owns takes that entry over.
/// </summary>
public sealed unsafe class JitHotEntryTests
{
    private const int CounterRegister = 16;

    [Fact]
    public void Every_period_th_entry_at_a_pc_makes_it_the_hot_entry()
    {
        using var m = new TestMachine();
        HartState* s = m.Hart.State;
        ulong pc = CodeBase + 0x40;
        for (int i = 1; i < Hart.HotEntryPeriod; i++)
        {
            Hart.CountInterpretedEntry(s, pc);
        }

        Assert.Equal(0ul, s->HotEntry);

        // Another pc has its own counter: it does not complete this one's period.
        Hart.CountInterpretedEntry(s, pc + 2);
        Assert.Equal(0ul, s->HotEntry);

        Hart.CountInterpretedEntry(s, pc);
        Assert.Equal(pc, s->HotEntry);
    }

    [Fact]
    public void A_region_cut_off_by_its_size_limit_counts_its_exit_and_the_rest_is_compiled()
    {
        uint[] code =
        [
            Addi(5, 5, 1), // 0: the loop head, the first region's seed
            Addi(6, 6, 1), // 4
            Addi(7, 7, 1), // 8: the first region ends here (3 instructions at most)
            Addi(8, 8, 1), // 12: where it exits into interpreted code
            Addi(CounterRegister, CounterRegister, -1), // 16
            Bne(CounterRegister, 0, -20), // 20: back to 0
            Wfi, // 24
        ];
        var options = new JitOptions { Threshold = 0, Synchronous = true, MaxRegionInstructions = 3 };
        using TestMachine compiled = Loaded(code, options);
        using TestMachine interpreted = Loaded(code, jit: null);
        int iterations = Hart.HotEntryPeriod + 10;
        compiled.Hart.SetRegister(CounterRegister, (ulong)iterations);
        interpreted.Hart.SetRegister(CounterRegister, (ulong)iterations);

        // One instruction, then the first region is compiled from where control entered (the loop head).
        compiled.Hart.RunBlock(1);
        compiled.Hart.Jit!.AfterBlock();
        DecodedPage page = compiled.Hart.FindDecodedPage((CodeBase - TestMachine.RamBase) >> 12)!;
        Assert.True(Slot(page, 0)->IsRegionEntry);
        Assert.False(page.Jit!.Covers(OffsetOf(12)));

        // The loop runs to its end in one block: the region's exit at 12 is counted on every iteration.
        compiled.Hart.RunBlock(100_000);
        Assert.Equal(CodeBase + 12, compiled.Hart.State->HotEntry);

        // The hot entry is sampled after the block and the rest of the loop compiled from it.
        compiled.Hart.Jit.AfterBlock();
        Assert.Equal(0ul, compiled.Hart.State->HotEntry);
        Assert.True(Slot(page, 12)->IsRegionEntry, "the region's exit target was not compiled");

        Run(interpreted.Hart, CodeBase + 28, jit: false);
        Assert.Equal(CodeBase + 28, compiled.Hart.Pc);
        for (int r = 5; r <= 8; r++)
        {
            Assert.Equal((ulong)iterations, compiled.X(r));
        }

        Assert.Equal(interpreted.Hart.InstructionsRetired, compiled.Hart.InstructionsRetired);
    }

    [Fact]
    public void A_region_asked_for_at_another_regions_entry_takes_that_entry_over()
    {
        uint[] code =
        [
            Addi(5, 5, 1), // 0: the loop head
            Beq(0, 0, 8), // 4: always to 12
            Addi(6, 6, 1), // 8: skipped
            Addi(7, 7, 1), // 12: a block start of the first region
            Addi(CounterRegister, CounterRegister, -1), // 16
            Bne(CounterRegister, 0, -20), // 20: back to 0
            Wfi, // 24
        ];
        using TestMachine m = Loaded(code, new JitOptions { Threshold = 0, Synchronous = true });
        m.Hart.SetRegister(CounterRegister, 40);
        m.Hart.RunBlock(1);
        m.Hart.Jit!.AfterBlock();
        DecodedPage page = m.Hart.FindDecodedPage((CodeBase - TestMachine.RamBase) >> 12)!;
        DecodedInstruction* twelve = Slot(page, 12);
        Assert.True(twelve->IsRegionEntry);
        Assert.Equal(EntryOf(page, 0), (nint)twelve->Handler);

        // A request for 12 made before the first region was installed (no installed entries in its snapshot), as a
        // concurrent compile would be: its region holds all of 12's code and takes the slot.
        ulong ramPage = (CodeBase - TestMachine.RamBase) >> 12;
        byte[] bytes = new ReadOnlySpan<byte>(m.Hart.State->RamPointer + (ramPage << 12), (int)GuestRam.PageSize).ToArray();
        var request = new CompileRequest(m.Hart.Jit, page, ramPage, page.Generation, OffsetOf(12), bytes, new ulong[DecodedPage.SlotCount / 64]);
        m.Hart.Jit.CompileAndPost(request);
        m.Hart.Jit.AfterBlock();
        Assert.Equal(2, page.Jit!.Regions.Count);
        Assert.Equal(EntryOf(page, 1), (nint)twelve->Handler);

        // The first region keeps its other entries, and both together still count exactly.
        Assert.Equal(EntryOf(page, 0), (nint)Slot(page, 0)->Handler);
        using TestMachine interpreted = Loaded(code, jit: null);
        interpreted.Hart.SetRegister(CounterRegister, 40);
        Run(interpreted.Hart, CodeBase + 28, jit: false);
        Run(m.Hart, CodeBase + 28, jit: true);
        Assert.Equal(40ul, m.X(5));
        Assert.Equal(40ul, m.X(7));
        Assert.Equal(0ul, m.X(6));
        Assert.Equal(interpreted.Hart.InstructionsRetired, m.Hart.InstructionsRetired);
    }

    private static nint EntryOf(DecodedPage page, int region) => (nint)RegionEntryPoint.Of(page.Jit!.Regions[region].Code);

    private static int OffsetOf(int codeOffset) => (int)((CodeBase + (ulong)codeOffset) & (GuestRam.PageSize - 1));

    private static DecodedInstruction* Slot(DecodedPage page, int codeOffset) => page.Pointer + (OffsetOf(codeOffset) >> 1);
}
