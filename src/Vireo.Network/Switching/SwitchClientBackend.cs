using System.Net.Sockets;

namespace Vireo.Network.Switching;

/// <summary>
/// <c>--net switch:PATH</c>: joins the virtual switch served on the Unix socket <c>PATH</c> (by
/// <c>vireo switch serve PATH</c> or an in-process <see cref="SwitchServer"/>).
/// </summary>
public sealed class SwitchClientBackend : INetworkBackend
{
    private readonly FrameLink _link;
    private Task? _reader;
    private long _droppedIncoming;
    private long _malformedOffload;

    /// <summary>Connects to the switch.</summary>
    /// <exception cref="NetworkOptionsException">Nothing serves a switch at <paramref name="path"/>.</exception>
    public SwitchClientBackend(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            // connect() reports a missing file as "Cannot assign requested address", which hides the cause.
            throw new NetworkOptionsException(
                Directory.Exists(path)
                    ? $"--net switch:{path}: is a directory, not a switch socket"
                    : $"--net switch:{path}: {path} does not exist; start a switch there with 'vireo switch serve {path}'");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException error)
        {
            socket.Dispose();
            throw new NetworkOptionsException(
                $"--net switch:{path}: cannot connect ({error.Message}); start it with 'vireo switch serve {path}'",
                error);
        }

        _link = new FrameLink(socket);

        // Offer offload messages; an old server drops the hello (its source address is invalid) and never answers.
        _link.TrySend(FrameLink.Hello);
    }

    /// <summary>Frames dropped on the way to the switch (queue full).</summary>
    public long Dropped => _link.Dropped;

    /// <summary>Frames from the switch the guest NIC could not take.</summary>
    public long DroppedIncoming => Interlocked.Read(ref _droppedIncoming);

    /// <summary>Offload messages from the switch that were malformed (bad header or metadata) and dropped.</summary>
    public long Malformed => _link.Malformed + Interlocked.Read(ref _malformedOffload);

    /// <summary>True once the switch answered the hello: large segments then travel whole.</summary>
    public bool AcceptsLargeTcpSegments => _link.PeerOffload;

    public void Attach(IFrameReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (_reader is not null)
        {
            throw new InvalidOperationException("The back-end is already attached.");
        }

        // Only the reader task segments, so one scratch buffer serves it.
        byte[] scratch = new byte[FrameLink.MaxFrame];
        _reader = _link.ReadLoopAsync((frame, offload) => Deliver(receiver, frame.Span, offload, scratch));
    }

    private void Deliver(IFrameReceiver receiver, ReadOnlySpan<byte> frame, ReceiveOffload offload, byte[] scratch)
    {
        if (_link.TryTakeHello(frame))
        {
            return;
        }

        if (offload.TcpSegmentSize != 0 && !TcpSegmenter.IsValidLargeSegment(frame, offload.TcpSegmentSize))
        {
            Interlocked.Increment(ref _malformedOffload);
            return;
        }

        if (offload.TcpSegmentSize != 0 && !receiver.AcceptsLargeTcpSegments)
        {
            // The guest's driver stopped taking large segments (a reset) after the switch sent this one.
            TcpSegmenter.Segment(frame, offload.TcpSegmentSize, scratch, receiver, out int refused);
            Interlocked.Add(ref _droppedIncoming, refused);
            return;
        }

        if (!receiver.Receive(frame, offload))
        {
            Interlocked.Increment(ref _droppedIncoming);
        }
    }

    public void Send(ReadOnlySpan<byte> frame) => _link.TrySend(frame);

    /// <summary>Large segments go whole once the switch said hello; before that the NIC segments them.</summary>
    public bool Send(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (offload.TcpSegmentSize != 0 && !_link.PeerOffload)
        {
            return false;
        }

        _link.TrySend(frame, offload);
        return true;
    }

    public void Dispose() => _link.Dispose();
}
