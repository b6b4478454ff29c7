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
        using TestMachine m = RunLoopOnce(code, new JitOptions { Threshold = 0, Synchronous = true, MaxRegionInstructions = 3 }, bodyLength: 6, hotOffset: 12, endOffset: 28);
        for (int r = 5; r <= 8; r++)
        {
            Assert.Equal(LoopIterations, m.X(r));
        }
    }

    [Fact]
    public void A_computed_jump_into_interpreted_code_on_the_page_is_counted_and_its_target_compiled()
    {
        uint[] code =
        [
            Addi(5, 5, 1), // 0: the loop head, the first region's seed
            Auipc(7, 0), // 4: x7 = the code's base + 4
            Jalr(0, 7, 16), // 8: a computed jump to 20, which the first region cannot follow
            Addi(6, 6, 1), // 12: skipped
            Addi(6, 6, 1), // 16: skipped
            Addi(8, 8, 1), // 20: the target
            Addi(CounterRegister, CounterRegister, -1), // 24
            Bne(CounterRegister, 0, -28), // 28: back to 0
            Wfi, // 32
        ];
        using TestMachine m = RunLoopOnce(code, new JitOptions { Threshold = 0, Synchronous = true }, bodyLength: 6, hotOffset: 20, endOffset: 36);
        Assert.Equal(LoopIterations, m.X(5));
        Assert.Equal(LoopIterations, m.X(8));
        Assert.Equal(0ul, m.X(6));
    }

    [Fact]
    public void Interpreted_code_inside_a_region_away_from_its_block_starts_is_compiled_when_sampled()
    {
        uint[] code =
        [
            Addi(5, 5, 1), // 0: the loop head, the region's seed
            Addi(6, 6, 1), // 4
            Addi(7, 7, 1), // 8: inside the region, not a block start
            Addi(CounterRegister, CounterRegister, -1), // 12
            Bne(CounterRegister, 0, -16), // 16: back to 0
            Wfi, // 20
        ];
        using TestMachine m = Loaded(code, new JitOptions { Threshold = 0, Synchronous = true });
        m.Hart.SetRegister(CounterRegister, 3);
        m.Hart.RunBlock(1);
        m.Hart.Jit!.AfterBlock();
        DecodedPage page = CodePage(m);
        Assert.Single(page.Jit!.Regions);
        Assert.False(Slot(page, 4)->IsRegionEntry);

        // A block that ends at 4 (as after a load's slow path spent the budget) leaves the hart inside the region,
        // where the next block starts interpreted: the sample there asks for a region from it.
        m.Hart.Jit.AfterBlock();
        Assert.Equal(2, page.Jit.Regions.Count);
        Assert.True(Slot(page, 4)->IsRegionEntry, "the middle of the region still runs interpreted");
        Run(m.Hart, CodeBase + 24, jit: true);
        Assert.Equal(3ul, m.Hart.GetRegister(5));
        Assert.Equal(3ul, m.X(7));
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
        m.Hart.RunBlock(5); // one iteration, interpreted: 0, 4, 12, 16, 20
        m.Hart.Jit!.AfterBlock();
        DecodedPage page = CodePage(m);
        DecodedInstruction* twelve = Slot(page, 12);
        Assert.True(twelve->IsRegionEntry);
        Assert.Equal(EntryOf(page, 0), (nint)twelve->Handler);

        // A request for 12 made before the first region was installed (no installed entries in its snapshot), as a
        // concurrent compile would be: its region holds all of 12's code and takes the slot.
        ulong ramPage = (CodeBase - TestMachine.RamBase) >> 12;
        byte[] bytes = new ReadOnlySpan<byte>(m.Hart.State->RamPointer + (ramPage << 12), (int)GuestRam.PageSize).ToArray();
        var request = new CompileRequest(m.Hart.Jit, page, ramPage, page.Generation, OffsetOf(12), bytes, new ulong[DecodedPage.SlotCount / 64], Executed: null);
        m.Hart.Jit.CompileAndPost(request);
        m.Hart.Jit.AfterBlock();

        // It is installed before the block's own sample (which may ask for more) is taken: the second region.
        Assert.True(page.Jit!.Regions.Count >= 2);
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

    private static ulong LoopIterations => (ulong)Hart.HotEntryPeriod + 10;

    /// <summary>
    /// Runs the loop body at <paramref name="code"/>'s start (<paramref name="bodyLength"/> instructions) once, compiles a
    /// first region from there, runs the loop (<see cref="LoopIterations"/> times,
    /// counted down in x16) to the end in one block, and checks that the entries into interpreted code at
    /// <paramref name="hotOffset"/> made it the hot entry, that the next block compiles it, and that the hart stopped at
    /// <paramref name="endOffset"/> with the interpreter's instruction count.
    /// </summary>
    private static TestMachine RunLoopOnce(uint[] code, JitOptions options, int bodyLength, int hotOffset, int endOffset)
    {
        TestMachine m = Loaded(code, options);
        using TestMachine interpreted = Loaded(code, jit: null);
        m.Hart.SetRegister(CounterRegister, LoopIterations);
        interpreted.Hart.SetRegister(CounterRegister, LoopIterations);

        // One iteration interpreted (a region only holds instructions that have run), back at the loop head; then the
        // first region is compiled from where control entered the page (the code's start).
        m.Hart.RunBlock(bodyLength);
        Assert.Equal(CodeBase, m.Hart.Pc);
        m.Hart.Jit!.AfterBlock();
        DecodedPage page = CodePage(m);
        Assert.True(Slot(page, 0)->IsRegionEntry);
        Assert.False(Slot(page, hotOffset)->IsRegionEntry);

        m.Hart.RunBlock(100_000);
        Assert.Equal(CodeBase + (ulong)hotOffset, m.Hart.State->HotEntry);
        m.Hart.Jit.AfterBlock();
        Assert.Equal(0ul, m.Hart.State->HotEntry);
        Assert.True(Slot(page, hotOffset)->IsRegionEntry, "the hot entry was not compiled");

        Run(interpreted.Hart, CodeBase + (ulong)endOffset, jit: false);
        Assert.Equal(CodeBase + (ulong)endOffset, m.Hart.Pc);
        Assert.Equal(interpreted.Hart.InstructionsRetired, m.Hart.InstructionsRetired);
        return m;
    }

    private static nint EntryOf(DecodedPage page, int region) => (nint)RegionEntryPoint.Of(page.Jit!.Regions[region].Code);

}
