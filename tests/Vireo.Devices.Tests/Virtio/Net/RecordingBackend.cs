using System.Collections.Concurrent;
using Vireo.Network;

namespace Vireo.Devices.Tests.Virtio.Net;

/// <summary>A back-end that records what the guest sends and lets the test inject frames toward the guest.</summary>
internal sealed class RecordingBackend : INetworkBackend
{
    public IFrameReceiver? Receiver { get; private set; }

    public ConcurrentQueue<byte[]> Sent { get; } = new();

    public void Attach(IFrameReceiver receiver) => Receiver = receiver;

    public void Send(ReadOnlySpan<byte> frame) => Sent.Enqueue(frame.ToArray());

    /// <summary>Plays a switch port that carries large TCP segments whole.</summary>
    public bool AcceptsLargeTcpSegments { get; set; }

    /// <summary>Offload information of frames sent whole with <see cref="Send(ReadOnlySpan{byte}, ReceiveOffload)"/>.</summary>
    public ConcurrentQueue<ReceiveOffload> SentOffloads { get; } = new();

    public bool Send(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (offload.TcpSegmentSize != 0 && !AcceptsLargeTcpSegments)
        {
            return false;
        }

        SentOffloads.Enqueue(offload);
        Send(frame);
        return true;
    }

    public bool Inject(byte[] frame) => Receiver!.Receive(frame);

    public void Dispose()
    {
    }
}
