namespace Vireo.Devices.Virtio.Net;

/// <summary>virtio-net feature bits (virtio 1.2, section 5.1.3) as masks.</summary>
public static class VirtioNetFeatures
{
    /// <summary>VIRTIO_NET_F_CSUM (bit 0): not offered; the guest computes every checksum.</summary>
    public const ulong Csum = 1UL << 0;

    /// <summary>VIRTIO_NET_F_MAC (bit 5): the MAC address is in config space.</summary>
    public const ulong Mac = 1UL << 5;

    /// <summary>VIRTIO_NET_F_MRG_RXBUF (bit 15): a received frame may span several receive buffers.</summary>
    public const ulong MergeRxBuffers = 1UL << 15;

    /// <summary>VIRTIO_NET_F_STATUS (bit 16): the link status is in config space.</summary>
    public const ulong Status = 1UL << 16;
}
