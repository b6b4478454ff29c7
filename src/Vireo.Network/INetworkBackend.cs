namespace Vireo.Network;

/// <summary>
/// The host side of a virtual NIC: where Ethernet frames from the guest go and where frames to the guest come from
/// (user-mode NAT, a virtual switch port, a TAP device, an in-memory peer in tests).
/// </summary>
public interface INetworkBackend : IDisposable
{
    /// <summary>
    /// Connects the NIC that receives this back-end's frames. Called once, before the first <see cref="Send(ReadOnlySpan{byte})"/>.
    /// </summary>
    void Attach(IFrameReceiver receiver);

    /// <summary>
    /// Takes one Ethernet frame (without FCS) transmitted by the guest. The frame may be malformed: it is then dropped
    /// and counted, never thrown on. The span is only valid during the call. Safe from any thread.
    /// </summary>
    void Send(ReadOnlySpan<byte> frame);

    /// <summary>
    /// True when <see cref="Send(ReadOnlySpan{byte}, ReceiveOffload)"/> takes TCP/IPv4 frames larger than one segment
    /// (a switch port that carries them to the receiving VM). Otherwise the NIC segments them itself.
    /// </summary>
    bool AcceptsLargeTcpSegments => false;

    /// <summary>
    /// Takes one frame with offload information: checksums already complete and, for a TCP/IPv4 frame larger than one
    /// segment, its segment size. Returns false (nothing sent) when the back-end cannot carry this frame whole; the
    /// caller then segments it and uses <see cref="Send(ReadOnlySpan{byte})"/>.
    /// </summary>
    bool Send(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (offload.TcpSegmentSize != 0)
        {
            return false;
        }

        Send(frame);
        return true;
    }
}
