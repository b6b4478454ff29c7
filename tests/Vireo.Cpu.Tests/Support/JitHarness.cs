using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;

namespace Vireo.Cpu.Tests.Support;

/// <summary>Loads code near a page end and runs it in blocks, with the JIT's between-block work when it has one.</summary>
internal static unsafe class JitHarness
{
    /// <summary>Where test code starts: near a page end, so loops straddle the boundary (far branches, page fall-through).</summary>
    public const ulong CodeBase = TestMachine.RamBase + 0xE00;

    /// <summary>A machine with <paramref name="code"/> at <see cref="CodeBase"/> and the pc there.</summary>
    public static TestMachine Loaded(uint[] code, JitOptions? jit)
    {
        var m = new TestMachine(jit: jit);
        m.Load(CodeBase, code);
        m.Hart.Pc = CodeBase;
        return m;
    }

    /// <summary>Runs until the pc reaches <paramref name="end"/> (just past the final wfi, which ends a block).</summary>
    public static void Run(Hart hart, ulong end, bool jit)
    {
        for (int blocks = 0; hart.Pc != end; blocks++)
        {
            Assert.True(blocks < 100_000, $"the hart never reached {end:x} (pc {hart.Pc:x})");
            hart.RunBlock(jit ? 97 : 1000);
            if (jit)
            {
                hart.Jit!.AfterBlock();
            }
        }
    }

    /// <summary>The decoded page the code at <see cref="CodeBase"/> is on.</summary>
    public static DecodedPage CodePage(TestMachine m) => m.Hart.FindDecodedPage((CodeBase - TestMachine.RamBase) >> 12)!;

    /// <summary>The slot of the instruction at <paramref name="codeOffset"/> from <see cref="CodeBase"/>.</summary>
    public static DecodedInstruction* Slot(DecodedPage page, int codeOffset) => page.Pointer + (OffsetOf(codeOffset) >> 1);

    /// <summary>The page offset of the instruction at <paramref name="codeOffset"/> from <see cref="CodeBase"/>.</summary>
    public static int OffsetOf(int codeOffset) => (int)((CodeBase + (ulong)codeOffset) & 0xFFF);

    /// <summary>The index in the page's region list of the region the slot at <paramref name="codeOffset"/> enters.</summary>
    public static int RegionAt(DecodedPage page, int codeOffset)
    {
        DecodedInstruction* slot = Slot(page, codeOffset);
        Assert.True(slot->IsRegionEntry, $"+{codeOffset} does not enter a region");
        for (int i = 0; i < page.Jit!.Regions.Count; i++)
        {
            if ((nint)RegionEntryPoint.Of(page.Jit.Regions[i].Code) == (nint)slot->Handler)
            {
                return i;
            }
        }

        Assert.Fail($"+{codeOffset} enters no region of its page");
        return -1;
    }
}
