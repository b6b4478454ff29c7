namespace Vireo.Network;

/// <summary>The guest side of a virtual NIC, as a back-end sees it.</summary>
public interface IFrameReceiver
{
    /// <summary>
    /// Delivers one Ethernet frame to the guest. Returns false when the guest has no receive buffer free (the frame
    /// is dropped, as on real hardware). The span is only valid during the call.
    /// </summary>
    bool Receive(ReadOnlySpan<byte> frame);

    /// <summary>
    /// True while the guest's driver takes TCP/IPv4 frames larger than one segment and cuts them itself (virtio-net
    /// GUEST_TSO4): a back-end may then pass <see cref="ReceiveOffload.TcpSegmentSize"/>. Read it per frame: a driver
    /// reset changes it.
    /// </summary>
    bool AcceptsLargeTcpSegments => false;

    /// <summary>
    /// Delivers a frame with offload information: checksums the back-end guarantees (the guest may skip verifying
    /// them) and, for a TCP/IPv4 frame larger than one segment, the segment size. A receiver without offloads takes
    /// only frames that need no segmentation.
    /// </summary>
    bool Receive(ReadOnlySpan<byte> frame, ReceiveOffload offload) => offload.TcpSegmentSize == 0 && Receive(frame);
}
