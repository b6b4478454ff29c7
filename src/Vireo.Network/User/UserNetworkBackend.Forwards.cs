using System.Net;
using System.Net.Sockets;

namespace Vireo.Network.User;

/// <summary>Host port forwards (<c>hostfwd=</c>): listening sockets on the host side.</summary>
public sealed partial class UserNetworkBackend
{
    private readonly List<Socket> _listeners = [];

    /// <summary>The host end points actually bound, in forward order (port 0 in a forward picks a free port).</summary>
    public IReadOnlyList<IPEndPoint> ForwardEndPoints { get; private set; } = [];

    private void OpenForwards()
    {
        var bound = new List<IPEndPoint>();
        foreach (HostForward forward in Options.HostForwards)
        {
            bool tcp = forward.Protocol == ForwardProtocol.Tcp;
            Socket socket = tcp
                ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
                : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _listeners.Add(socket);
            try
            {
                socket.Bind(new IPEndPoint(forward.HostAddress, forward.HostPort));
                if (tcp)
                {
                    socket.Listen(64);
                }
            }
            catch (SocketException error)
            {
                throw new NetworkOptionsException(
                    $"--net: hostfwd cannot bind {(tcp ? "tcp" : "udp")} {forward.HostAddress}:{forward.HostPort}: {error.Message}",
                    error);
            }

            bound.Add((IPEndPoint)socket.LocalEndPoint!);
            if (tcp)
            {
                StartAccept(forward, socket);
            }
            else
            {
                StartForwardReceive(forward, socket);
            }
        }

        ForwardEndPoints = bound;
    }

    private void StartAccept(HostForward forward, Socket listener)
    {
        _ = AcceptAsync();

        async Task AcceptAsync()
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await listener.AcceptAsync().ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                if (_stopping)
                {
                    accepted.Dispose();
                    return;
                }

                Post(() => OnForwardAccepted(forward, accepted));
            }
        }
    }

    private void StartForwardReceive(HostForward forward, Socket socket)
    {
        _ = ReceiveAsync();

        async Task ReceiveAsync()
        {
            byte[] buffer = new byte[65536];
            while (true)
            {
                SocketReceiveFromResult result;
                try
                {
                    result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0))
                        .ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                var peer = (IPEndPoint)result.RemoteEndPoint;
                byte[] copy = buffer.AsSpan(0, result.ReceivedBytes).ToArray();
                Post(() => OnForwardDatagram(forward, socket, peer, copy, copy.Length));
            }
        }
    }

    private void CloseForwards()
    {
        foreach (Socket socket in _listeners)
        {
            socket.Dispose();
        }

        _listeners.Clear();
    }
}
