using System.Runtime.CompilerServices;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The code of one page reachable from a seed without leaving the page: a region is compiled into one method whose
/// internal jumps and loops stay in host code. The start of every basic block is an entry (its instruction index is
/// the entry number), so control coming back from a call's return, another region's exit or an interpreter handler
/// re-enters compiled code; only a resume in the middle of a block (after a fault) runs interpreted to the block's end.
/// Entering mid-block is not worth its cost: each entry is a join point the .NET JIT compiles.
/// </summary>
internal sealed class Region
{
    public Region(int seed, RegionInstruction[] instructions)
    {
        Seed = seed;
        Instructions = instructions;
        for (int i = 0; i < instructions.Length; i++)
        {
            IndexByOffset.Add(instructions[i].Offset, i);
        }

        // Jump targets: in-page branches and jumps, and fall-throughs the emitter reaches by a jump because the next
        // instruction of the region is not adjacent.
        var targets = new HashSet<int>();
        for (int i = 0; i < instructions.Length; i++)
        {
            RegionInstruction instruction = instructions[i];
            if (instruction.Op is JitOp.JalNear or (>= JitOp.BeqNear and <= JitOp.BgeuNear))
            {
                targets.Add(instruction.Target);
            }

            if (i + 1 < instructions.Length && instructions[i + 1].Offset != instruction.FallThrough)
            {
                targets.Add(instruction.FallThrough);
            }
        }

        IsEntry = new bool[instructions.Length];
        for (int i = 0; i < instructions.Length; i++)
        {
            int offset = instructions[i].Offset;
            IsEntry[i] = offset == seed
                || targets.Contains(offset)
                || i == 0
                || instructions[i - 1].FallThrough != offset
                || EndsBlock(instructions[i - 1].Op);
        }
    }

    /// <summary>Page offset of the entry instruction.</summary>
    public int Seed { get; }

    /// <summary>The instructions, in ascending page offset.</summary>
    public RegionInstruction[] Instructions { get; }

    /// <summary>Index into <see cref="Instructions"/> by page offset.</summary>
    public Dictionary<int, int> IndexByOffset { get; } = [];

    /// <summary>
    /// Whether instruction i starts a basic block: the seed, a jump target, an instruction not reached by falling
    /// through, or one after a transfer or an interpreter call. Entries are also where the emitter's paths join.
    /// </summary>
    public bool[] IsEntry { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool EndsBlock(JitOp op) =>
        op is JitOp.Call or JitOp.CallAndLeave or JitOp.Jal or JitOp.JalNear or JitOp.Jalr or (>= JitOp.Beq and <= JitOp.BgeuNear);
}
