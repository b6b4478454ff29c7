namespace Vireo.Network;

/// <summary>
/// The host side of a virtual NIC: where Ethernet frames from the guest go and where frames to the guest come from
/// (user-mode NAT, a virtual switch port, a TAP device, an in-memory peer in tests).
/// </summary>
public interface INetworkBackend : IDisposable
{
    /// <summary>
    /// Connects the NIC that receives this back-end's frames. Called once, before the first <see cref="Send"/>.
    /// </summary>
    void Attach(IFrameReceiver receiver);

    /// <summary>
    /// Takes one Ethernet frame (without FCS) transmitted by the guest. The frame may be malformed: it is then dropped
    /// and counted, never thrown on. The span is only valid during the call. Safe from any thread.
    /// </summary>
    void Send(ReadOnlySpan<byte> frame);
}
