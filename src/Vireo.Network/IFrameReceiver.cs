namespace Vireo.Network;

/// <summary>The guest side of a virtual NIC, as a back-end sees it.</summary>
public interface IFrameReceiver
{
    /// <summary>
    /// Delivers one Ethernet frame to the guest. Returns false when the guest has no receive buffer free (the frame
    /// is dropped, as on real hardware). The span is only valid during the call.
    /// </summary>
    bool Receive(ReadOnlySpan<byte> frame);
}
