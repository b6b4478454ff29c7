using Vireo.Devices.Virtio.Balloon;

namespace Vireo.Machine.Memory;

/// <summary>
/// What one VM costs the host in memory, as a plain snapshot (<see cref="VirtMachine.GetMemoryStats"/>): guest RAM the
/// host holds, the balloon, and an estimate of the hypervisor's own memory for the VM. Bytes throughout.
/// </summary>
public sealed record GuestMemoryStats
{
    /// <summary>Guest RAM size (what the guest was given).</summary>
    public ulong GuestRamBytes { get; init; }

    /// <summary>Guest RAM resident in the host now, counted exactly (mincore over the mapping); -1 where the host cannot tell.</summary>
    public long ResidentGuestBytes { get; init; }

    /// <summary>The balloon size the host asked for (0 without a balloon).</summary>
    public ulong BalloonTargetBytes { get; init; }

    /// <summary>The balloon size the guest reports (0 without a balloon).</summary>
    public ulong BalloonActualBytes { get; init; }

    /// <summary>Decoded-instruction caches of all harts (32 KiB and a little per cached 4 KiB page).</summary>
    public long DecodeCacheBytes { get; init; }

    /// <summary>Compiled guest code (JIT regions): an estimate from the decoded pages (see <see cref="HostOverheadModel"/>).</summary>
    public long JitCodeBytes { get; init; }

    /// <summary>Per-page code bookkeeping of guest RAM (code flags and generations) resident now, counted exactly.</summary>
    public long RamBookkeepingBytes { get; init; }

    /// <summary>Per-hart state (registers, TLBs) and the VM's threads' stacks and device buffers, estimated.</summary>
    public long FixedOverheadBytes { get; init; }

    /// <summary>The hypervisor's own memory for this VM: the sum of the estimates and counts above.</summary>
    public long OverheadBytes => DecodeCacheBytes + JitCodeBytes + RamBookkeepingBytes + FixedOverheadBytes;

    /// <summary>Everything the VM costs the host: resident guest RAM plus overhead.</summary>
    public long TotalHostBytes => Math.Max(ResidentGuestBytes, 0) + OverheadBytes;

    /// <summary>The guest's own view from the balloon's stats queue (<see cref="BalloonStats.None"/> without a balloon).</summary>
    public BalloonStats GuestStats { get; init; } = BalloonStats.None;
}
