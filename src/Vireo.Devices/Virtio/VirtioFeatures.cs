namespace Vireo.Devices.Virtio;

/// <summary>Device-independent virtio feature bits (virtio 1.2, section 6) as masks.</summary>
public static class VirtioFeatures
{
    /// <summary>VIRTIO_F_RING_INDIRECT_DESC (bit 28): descriptors may point to indirect descriptor tables.</summary>
    public const ulong RingIndirectDesc = 1UL << 28;

    /// <summary>VIRTIO_F_RING_EVENT_IDX (bit 29): used_event / avail_event suppress interrupts and notifications.</summary>
    public const ulong RingEventIdx = 1UL << 29;

    /// <summary>VIRTIO_F_VERSION_1 (bit 32): a modern (1.x) driver. Required by this transport.</summary>
    public const ulong Version1 = 1UL << 32;

    /// <summary>The transport features every Vireo virtio device offers.</summary>
    public const ulong Transport = RingIndirectDesc | RingEventIdx | Version1;
}
