using System.Net.Sockets;

namespace Vireo.Network.Switching;

/// <summary>
/// Serves a <see cref="VirtualSwitch"/> on a Unix-domain stream socket: every client connection becomes a switch port
/// and exchanges length-prefixed Ethernet frames (see <see cref="SwitchClientBackend"/>).
/// </summary>
public sealed class SwitchServer : IDisposable
{
    private readonly Socket _listener;
    private readonly List<FrameLink> _links = [];
    private readonly object _gate = new();
    private bool _disposed;
    private long _malformedClosed;

    /// <summary>Binds and listens on <paramref name="path"/> (a stale socket file nobody listens on is replaced).</summary>
    /// <exception cref="NetworkOptionsException">The path is in use or cannot be bound.</exception>
    public SwitchServer(string path, VirtualSwitch virtualSwitch)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(virtualSwitch);
        Path = path;
        Switch = virtualSwitch;
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            // bind() says only "Cannot assign requested address" here, which names neither the path nor the cause.
            throw new NetworkOptionsException($"switch: cannot listen on {path}: directory {directory} does not exist");
        }

        RemoveStaleSocket(path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(64);
        }
        catch (SocketException error)
        {
            _listener.Dispose();
            throw new NetworkOptionsException($"switch: cannot listen on {path}: {error.Message}", error);
        }

        Completion = AcceptLoopAsync();
    }

    public string Path { get; }

    public VirtualSwitch Switch { get; }

    /// <summary>Malformed offload messages from clients (bad header fields), skipped and counted.</summary>
    public long Malformed
    {
        get
        {
            lock (_gate)
            {
                long total = _malformedClosed;
                foreach (FrameLink link in _links)
                {
                    total += link.Malformed;
                }

                return total;
            }
        }
    }

    /// <summary>Completes when the server is disposed.</summary>
    public Task Completion { get; }

    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            // Nobody listens: a leftover from a previous run.
            File.Delete(path);
            return;
        }

        throw new NetworkOptionsException($"switch: {path} is already served by another process");
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (SocketException)
            {
                if (_disposed)
                {
                    return;
                }

                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var link = new FrameLink(client);
        lock (_gate)
        {
            if (_disposed)
            {
                link.Dispose();
                return;
            }

            _links.Add(link);
        }

        SwitchPort port = Switch.AddPort(new LinkReceiver(link));
        try
        {
            await link.ReadLoopAsync((frame, offload) =>
            {
                if (link.TryTakeHello(frame.Span))
                {
                    // A client that speaks offload messages: answer so it starts sending large segments whole.
                    link.TrySend(FrameLink.Hello);
                }
                else
                {
                    port.Send(frame.Span, offload);
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            port.Dispose();
            link.Dispose();
            lock (_gate)
            {
                _links.Remove(link);
                _malformedClosed += link.Malformed;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (FrameLink link in _links)
            {
                link.Dispose();
            }
        }

        _listener.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Best effort: a stale file is replaced on the next start anyway.
        }
    }

    /// <summary>A switch port's sink that queues frames on the client's link.</summary>
    private sealed class LinkReceiver(FrameLink link) : IFrameReceiver
    {
        /// <summary>Only a client that said hello gets large segments; the switch segments them for the others.</summary>
        public bool AcceptsLargeTcpSegments => link.PeerOffload;

        public bool Receive(ReadOnlySpan<byte> frame) => link.TrySend(frame);

        public bool Receive(ReadOnlySpan<byte> frame, ReceiveOffload offload) => link.TrySend(frame, offload);
    }
}
