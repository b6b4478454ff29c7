namespace Vireo.Machine.Memory;

/// <summary>One VM as <see cref="AutoBalloonPolicy"/> sees it: its sizes, its balloon and the guest's own view. Bytes throughout.</summary>
/// <param name="Name">The VM's name (for decisions and their reasons).</param>
/// <param name="GuestRamBytes">Guest RAM size.</param>
/// <param name="MinBytes">memory.min: the guest never keeps less than this (the balloon never grows past RAM less this).</param>
/// <param name="MaxBytes">memory.max: the guest never keeps more (the balloon never shrinks below RAM less this).</param>
/// <param name="BalloonTargetBytes">The balloon size asked for now.</param>
/// <param name="GuestAvailableBytes">MemAvailable from the balloon's statistics, or null before the first.</param>
/// <param name="IsIdle">True when the VM has done little lately (the daemon's measure, e.g. CPU time); idle VMs give first.</param>
public sealed record VmMemoryState(
    string Name,
    ulong GuestRamBytes,
    ulong MinBytes,
    ulong MaxBytes,
    ulong BalloonTargetBytes,
    ulong? GuestAvailableBytes,
    bool IsIdle)
{
    /// <summary>The smallest balloon allowed: RAM less memory.max.</summary>
    public ulong SmallestBalloon => GuestRamBytes - Math.Min(MaxBytes, GuestRamBytes);

    /// <summary>The largest balloon allowed: RAM less memory.min.</summary>
    public ulong LargestBalloon => GuestRamBytes - Math.Min(MinBytes, GuestRamBytes);
}
