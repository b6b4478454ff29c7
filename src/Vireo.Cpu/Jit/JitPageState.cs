using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu.Jit;

/// <summary>What the JIT keeps per decoded page: samples, seeds asked for, regions installed and the slots they cover.</summary>
internal sealed class JitPageState
{
    private readonly ulong[] _covered = new ulong[DecodedPage.SlotCount / 64];
    private readonly ulong[] _entries = new ulong[DecodedPage.SlotCount / 64];

    public JitPageState(RegionJit owner)
    {
        Owner = owner;
    }

    /// <summary>The JIT whose code table holds this page's regions.</summary>
    public RegionJit Owner { get; }

    /// <summary>Run-loop samples that landed on the page outside compiled code.</summary>
    public int Samples { get; set; }

    /// <summary>True while a compile for this page is queued or running (one at a time per page).</summary>
    public bool CompilePending { get; set; }

    /// <summary>Page offsets regions were asked for (compiled or refused), so none is compiled twice.</summary>
    public HashSet<int> Seeds { get; } = [];

    /// <summary>
    /// The installed regions: their indices in the owner's code table (which keeps the code alive) and the pinned slot
    /// copies their code reads.
    /// </summary>
    public List<(int Index, DecodedInstruction[] Copies)> Regions { get; } = [];

    public bool Covers(int offset) => (_covered[offset >> 7] & (1UL << ((offset >> 1) & 63))) != 0;

    public void Cover(int offset) => _covered[offset >> 7] |= 1UL << ((offset >> 1) & 63);

    /// <summary>Marks <paramref name="offset"/> as a slot that enters an installed region.</summary>
    public void MarkEntry(int offset) => _entries[offset >> 7] |= 1UL << ((offset >> 1) & 63);

    /// <summary>A copy of the entry slots of the installed regions, one bit per 2-byte slot (see <see cref="IsEntry"/>).</summary>
    public ulong[] SnapshotEntries() => (ulong[])_entries.Clone();

    /// <summary>Whether <paramref name="offset"/> is set in an entry bitmap made by <see cref="SnapshotEntries"/>.</summary>
    public static bool IsEntry(ulong[] entries, int offset) => (entries[offset >> 7] & (1UL << ((offset >> 1) & 63))) != 0;
}
