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

    /// <summary>Connects to the switch.</summary>
    /// <exception cref="NetworkOptionsException">Nothing serves a switch at <paramref name="path"/>.</exception>
    public SwitchClientBackend(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
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
    }

    /// <summary>Frames dropped on the way to the switch (queue full).</summary>
    public long Dropped => _link.Dropped;

    /// <summary>Frames from the switch the guest NIC could not take.</summary>
    public long DroppedIncoming => Interlocked.Read(ref _droppedIncoming);

    public void Attach(IFrameReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (_reader is not null)
        {
            throw new InvalidOperationException("The back-end is already attached.");
        }

        _reader = _link.ReadLoopAsync(frame =>
        {
            if (!receiver.Receive(frame.Span))
            {
                Interlocked.Increment(ref _droppedIncoming);
            }
        });
    }

    public void Send(ReadOnlySpan<byte> frame) => _link.TrySend(frame);

    public void Dispose() => _link.Dispose();
}
