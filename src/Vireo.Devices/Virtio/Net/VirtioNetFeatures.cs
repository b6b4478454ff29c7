namespace Vireo.Devices.Virtio.Net;

/// <summary>virtio-net feature bits (virtio 1.2, section 5.1.3) as masks.</summary>
public static class VirtioNetFeatures
{
    /// <summary>VIRTIO_NET_F_CSUM (bit 0): the guest may send frames with a partial checksum for the device to finish.</summary>
    public const ulong Csum = 1UL << 0;

    /// <summary>VIRTIO_NET_F_GUEST_CSUM (bit 1): the device may mark received frames' checksums as already valid.</summary>
    public const ulong GuestCsum = 1UL << 1;

    /// <summary>VIRTIO_NET_F_MAC (bit 5): the MAC address is in config space.</summary>
    public const ulong Mac = 1UL << 5;

    /// <summary>VIRTIO_NET_F_GUEST_TSO4 (bit 7): the device may deliver TCP/IPv4 frames larger than one segment.</summary>
    public const ulong GuestTso4 = 1UL << 7;

    /// <summary>VIRTIO_NET_F_HOST_TSO4 (bit 11): the guest may send TCP/IPv4 super-frames for the device to segment.</summary>
    public const ulong HostTso4 = 1UL << 11;

    /// <summary>VIRTIO_NET_F_MRG_RXBUF (bit 15): a received frame may span several receive buffers.</summary>
    public const ulong MergeRxBuffers = 1UL << 15;

    /// <summary>VIRTIO_NET_F_STATUS (bit 16): the link status is in config space.</summary>
    public const ulong Status = 1UL << 16;
}
