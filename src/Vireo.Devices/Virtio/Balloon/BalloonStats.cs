namespace Vireo.Devices.Virtio.Balloon;

/// <summary>
/// The guest's last memory statistics from the balloon's stats queue (virtio 1.2, section 5.5.6.3). A value the guest
/// did not send is null. Sizes are bytes; faults are counts.
/// </summary>
public sealed record BalloonStats
{
    /// <summary>No statistics received yet.</summary>
    public static BalloonStats None { get; } = new();

    /// <summary>When the host received them (null: never).</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>VIRTIO_BALLOON_S_SWAP_IN: bytes swapped in.</summary>
    public ulong? SwapIn { get; init; }

    /// <summary>VIRTIO_BALLOON_S_SWAP_OUT: bytes swapped out.</summary>
    public ulong? SwapOut { get; init; }

    /// <summary>VIRTIO_BALLOON_S_MAJFLT: major page faults.</summary>
    public ulong? MajorFaults { get; init; }

    /// <summary>VIRTIO_BALLOON_S_MINFLT: minor page faults.</summary>
    public ulong? MinorFaults { get; init; }

    /// <summary>VIRTIO_BALLOON_S_MEMFREE: memory the guest does not use at all.</summary>
    public ulong? FreeMemory { get; init; }

    /// <summary>VIRTIO_BALLOON_S_MEMTOT: memory the guest manages (less what an inflated balloon took without DEFLATE_ON_OOM).</summary>
    public ulong? TotalMemory { get; init; }

    /// <summary>VIRTIO_BALLOON_S_AVAIL: memory available to new processes without swapping (MemAvailable).</summary>
    public ulong? AvailableMemory { get; init; }

    /// <summary>VIRTIO_BALLOON_S_CACHES: disk caches the guest could drop.</summary>
    public ulong? DiskCaches { get; init; }

    /// <summary>VIRTIO_BALLOON_S_HTLB_PGALLOC: hugetlb page allocations.</summary>
    public ulong? HugetlbAllocations { get; init; }

    /// <summary>VIRTIO_BALLOON_S_HTLB_PGFAIL: hugetlb page allocation failures.</summary>
    public ulong? HugetlbFailures { get; init; }
}
