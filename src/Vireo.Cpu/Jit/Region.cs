namespace Vireo.Cpu.Jit;

/// <summary>
/// The code of one page reachable from a seed without leaving the page: a region is compiled into one method whose
/// internal jumps and loops stay in host code. Every instruction of a region is an entry (its index is the entry
/// number), so control coming back from anywhere (a call's return, an exception return, another region's exit)
/// re-enters compiled code.
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
    }

    /// <summary>Page offset of the entry instruction.</summary>
    public int Seed { get; }

    /// <summary>The instructions, in ascending page offset.</summary>
    public RegionInstruction[] Instructions { get; }

    /// <summary>Index into <see cref="Instructions"/> by page offset.</summary>
    public Dictionary<int, int> IndexByOffset { get; } = [];
}
