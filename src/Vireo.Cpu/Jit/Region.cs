namespace Vireo.Cpu.Jit;

/// <summary>
/// The code of one page reachable from a seed without leaving the page: a region is compiled into one method with
/// several entries (the seed, loop heads, call return points) whose internal jumps and loops stay in host code.
/// </summary>
internal sealed class Region
{
    public Region(int seed, RegionInstruction[] instructions, int[] entries)
    {
        Seed = seed;
        Entries = entries;
        Instructions = instructions;
        for (int i = 0; i < instructions.Length; i++)
        {
            IndexByOffset.Add(instructions[i].Offset, i);
        }
    }

    /// <summary>Page offset of the entry instruction.</summary>
    public int Seed { get; }

    /// <summary>
    /// Page offsets where the run loop may enter the region, the seed first; each gets the region in its slot, with
    /// its position here as the entry number.
    /// </summary>
    public int[] Entries { get; }

    /// <summary>The instructions, in ascending page offset.</summary>
    public RegionInstruction[] Instructions { get; }

    /// <summary>Index into <see cref="Instructions"/> by page offset.</summary>
    public Dictionary<int, int> IndexByOffset { get; } = [];
}
