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

    public bool Inject(byte[] frame) => Receiver!.Receive(frame);

    public void Dispose()
    {
    }
}
