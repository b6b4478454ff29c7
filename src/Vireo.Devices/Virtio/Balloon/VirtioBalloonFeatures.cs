namespace Vireo.Devices.Virtio.Balloon;

/// <summary>virtio-balloon feature bits (virtio 1.2, section 5.5.3) as masks.</summary>
public static class VirtioBalloonFeatures
{
    /// <summary>VIRTIO_BALLOON_F_MUST_TELL_HOST (bit 0): the driver tells the device before it reuses deflated pages. Not offered: a deflated page needs nothing from the host.</summary>
    public const ulong MustTellHost = 1UL << 0;

    /// <summary>VIRTIO_BALLOON_F_STATS_VQ (bit 1): a statistics queue is present.</summary>
    public const ulong StatsVq = 1UL << 1;

    /// <summary>VIRTIO_BALLOON_F_DEFLATE_ON_OOM (bit 2): the guest deflates the balloon rather than run out of memory.</summary>
    public const ulong DeflateOnOom = 1UL << 2;

    /// <summary>VIRTIO_BALLOON_F_FREE_PAGE_HINT (bit 3): the free page hinting queue (for migration). Not offered.</summary>
    public const ulong FreePageHint = 1UL << 3;

    /// <summary>VIRTIO_BALLOON_F_PAGE_POISON (bit 4): the guest poisons free pages. Not offered.</summary>
    public const ulong PagePoison = 1UL << 4;

    /// <summary>VIRTIO_BALLOON_F_REPORTING (bit 5): the free page reporting queue is present.</summary>
    public const ulong Reporting = 1UL << 5;
}
