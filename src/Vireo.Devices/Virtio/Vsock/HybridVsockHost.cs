using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// Firecracker's "hybrid vsock" on Unix sockets: a host program connects to <see cref="Path"/> and sends
/// <c>CONNECT &lt;port&gt;\n</c>; once the guest accepts, it gets <c>OK &lt;host port&gt;\n</c> and the socket carries
/// the stream. A guest connection to host port P is forwarded to a program listening on <c>Path_P</c>; when nothing
/// listens there, the guest sees connection refused.
/// </summary>
public sealed class HybridVsockHost : IDisposable
{
    /// <summary>Longest CONNECT line accepted.</summary>
    public const int MaxLine = 64;

    private static readonly TimeSpan s_handshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly VirtioVsockDevice _device;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<string>? _log;
    private readonly Task _accept;

    /// <summary>
    /// Listens on <paramref name="path"/> (an existing socket file there is replaced) and routes guest connections of
    /// <paramref name="device"/> to <c>path_P</c>. <paramref name="log"/> gets one line per failed connection.
    /// </summary>
    public HybridVsockHost(VirtioVsockDevice device, string path, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _device = device;
        _log = log;
        Path = path;
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(64);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        device.GuestConnect = OnGuestConnect;
        _accept = AcceptLoopAsync();
    }

    /// <summary>The Unix socket host programs connect to.</summary>
    public string Path { get; }

    /// <summary>Stops listening and removes the socket file (open connections end with the device).</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _device.GuestConnect = null;
        _listener.Dispose();
        try
        {
            _accept.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => HostConnectAsync(client));
        }
    }

    private async Task HostConnectAsync(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(s_handshakeTimeout);
            string? line = await ReadLineAsync(stream, timeout.Token).ConfigureAwait(false);
            if (line is null || !line.StartsWith("CONNECT ", StringComparison.Ordinal)
                || !uint.TryParse(line.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out uint port))
            {
                _log?.Invoke($"vsock {Path}: expected 'CONNECT <port>', got '{line}'");
                return;
            }

            await using VsockStream guest = await _device.ConnectAsync(port, timeout.Token).ConfigureAwait(false);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"OK {guest.HostPort}\n"), _stop.Token).ConfigureAwait(false);
            await PumpAsync(stream, client, guest).ConfigureAwait(false);
        }
        catch (VsockConnectionRefusedException)
        {
            // Firecracker's behaviour: a refused connect just closes the host socket. Not logged: a client polling
            // for a guest service to come up sees this many times.
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            _log?.Invoke($"vsock {Path}: {e.Message}");
        }
    }

    private void OnGuestConnect(VsockIncomingConnection incoming) => _ = Task.Run(() => GuestConnectAsync(incoming));

    private async Task GuestConnectAsync(VsockIncomingConnection incoming)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint($"{Path}_{incoming.HostPort}"), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Dispose();
            incoming.Refuse();
            return;
        }

        using var stream = new NetworkStream(socket, ownsSocket: true);
        VsockStream? guest = incoming.Accept();
        if (guest is null)
        {
            return;
        }

        await using (guest.ConfigureAwait(false))
        {
            try
            {
                await PumpAsync(stream, socket, guest).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                _log?.Invoke($"vsock {Path}_{incoming.HostPort}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Copies both ways; each direction's end is passed on as a half-close. A direction that fails (its receiver is
    /// gone) only ends itself: the other may still hold data in flight, which must reach its reader.
    /// </summary>
    private async Task PumpAsync(NetworkStream host, Socket socket, VsockStream guest)
    {
        Task toGuest = Task.Run(async () =>
        {
            try
            {
                await host.CopyToAsync(guest, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
            {
            }
            finally
            {
                guest.ShutdownWrite();
            }
        });
        Task toHost = Task.Run(async () =>
        {
            try
            {
                await guest.CopyToAsync(host, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
            }
            finally
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Send);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
        });
        await Task.WhenAll(toGuest, toHost).ConfigureAwait(false);
    }

    private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken cancellation)
    {
        // Byte by byte: what follows the line belongs to the guest.
        byte[] one = new byte[1];
        var line = new StringBuilder();
        while (line.Length <= MaxLine)
        {
            if (await stream.ReadAsync(one, cancellation).ConfigureAwait(false) == 0)
            {
                return null;
            }

            if (one[0] == '\n')
            {
                return line.ToString();
            }

            line.Append((char)one[0]);
        }

        return null;
    }
}
