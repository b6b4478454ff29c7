using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu.Jit;

/// <summary>What the JIT keeps per decoded page: samples, seeds asked for, regions installed and the slots they cover.</summary>
internal sealed class JitPageState
{
    private readonly ulong[] _covered = new ulong[DecodedPage.SlotCount / 64];
    private int _pendingSamples;

    /// <summary>Run-loop samples that landed on the page outside compiled code.</summary>
    public int Samples { get; set; }

    /// <summary>True while a compile for this page is queued or running (one at a time per page).</summary>
    public bool CompilePending { get; set; }

    /// <summary>
    /// Samples that landed on the page outside compiled code since its pending compile was asked for: how hot the
    /// request has stayed while it waited (<see cref="JitCompileQueue"/> takes the hottest first). Written by the hart,
    /// read by the compile thread.
    /// </summary>
    public int PendingSamples => Volatile.Read(ref _pendingSamples);

    /// <summary>Counts a sample taken while a compile is pending (the hart's thread).</summary>
    public void CountPendingSample() => Volatile.Write(ref _pendingSamples, _pendingSamples + 1);

    /// <summary>Starts <see cref="PendingSamples"/> again for a new request (the hart's thread).</summary>
    public void ResetPendingSamples() => Volatile.Write(ref _pendingSamples, 0);

    /// <summary>Page offsets regions were asked for (compiled or refused), so none is compiled twice.</summary>
    public HashSet<int> Seeds { get; } = [];

    /// <summary>
    /// The installed regions: their code (the page's entry slots call it directly; this reference keeps it alive) and
    /// the pinned slot copies it reads. Dropped with the page's state when its slots are reset.
    /// </summary>
    public List<(RegionCode Code, DecodedInstruction[] Copies)> Regions { get; } = [];

    public bool Covers(int offset) => IsSet(_covered, offset);

    public void Cover(int offset) => _covered[offset >> 7] |= Bit(offset);

    /// <summary>
    /// The slots of <paramref name="page"/> that enter an installed region (see <see cref="DecodedInstruction.IsRegionEntry"/>),
    /// one bit per 2-byte slot, for the compile thread (see <see cref="IsEntry"/>).
    /// </summary>
    public static unsafe ulong[] SnapshotEntries(DecodedPage page)
    {
        var entries = new ulong[DecodedPage.SlotCount / 64];
        DecodedInstruction* slots = page.Pointer;
        for (int i = 0; i < DecodedPage.SlotCount; i++)
        {
            if (slots[i].IsRegionEntry)
            {
                entries[i >> 6] |= 1UL << (i & 63);
            }
        }

        return entries;
    }

    /// <summary>
    /// The instructions of <paramref name="page"/> known to have run: decoded by the interpreter (a slot is decoded on its
    /// first execution) or inside an installed region. One bit per 2-byte slot, like <see cref="SnapshotEntries"/>.
    /// </summary>
    public unsafe ulong[] SnapshotExecuted(DecodedPage page)
    {
        var executed = (ulong[])_covered.Clone();
        DecodedInstruction* slots = page.Pointer;
        for (int i = 0; i < DecodedPage.SlotCount; i++)
        {
            // Clear zeroes the length, and only the decoder sets it.
            if (slots[i].Length != 0 || slots[i].IsRegionEntry)
            {
                executed[i >> 6] |= 1UL << (i & 63);
            }
        }

        return executed;
    }

    /// <summary>Whether page offset <paramref name="offset"/> is set in a bitmap made by <see cref="SnapshotEntries"/> or <see cref="SnapshotExecuted"/>.</summary>
    public static bool IsEntry(ulong[] entries, int offset) => IsSet(entries, offset);

    private static bool IsSet(ulong[] slots, int offset) => (slots[offset >> 7] & Bit(offset)) != 0;

    private static ulong Bit(int offset) => 1UL << ((offset >> 1) & 63);
}
