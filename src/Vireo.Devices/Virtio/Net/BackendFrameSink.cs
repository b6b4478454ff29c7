using Vireo.Network;

namespace Vireo.Devices.Virtio.Net;

/// <summary>Lets <see cref="TcpSegmenter"/> hand the segments of a guest's TSO frame to the NIC's back-end.</summary>
internal sealed class BackendFrameSink(INetworkBackend backend) : IFrameReceiver
{
    public bool Receive(ReadOnlySpan<byte> frame)
    {
        backend.Send(frame);
        return true;
    }
}
