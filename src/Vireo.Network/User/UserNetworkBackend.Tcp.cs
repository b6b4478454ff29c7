using System.Net;
using System.Net.Sockets;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>TCP NAT: the connection table, guest segment dispatch and host socket operations.</summary>
public sealed partial class UserNetworkBackend
{
    private readonly Dictionary<FlowKey, TcpConnection> _tcp = [];
    private readonly List<TcpConnection> _tcpList = [];
    private readonly List<PendingReset> _pendingResets = [];
    private bool _tcpListDirty;

    /// <summary>How long a refused RST is retried: the guest's receive ring is full for milliseconds, not seconds.</summary>
    private const long ResetRetryMs = 5_000;

    /// <summary>Most refused RSTs kept for retry; more are dropped (the guest then learns on its next segment).</summary>
    private const int MaxPendingResets = 256;

    /// <summary>Number of tracked TCP connections (any state, TIME-WAIT included).</summary>
    internal int TcpConnectionCount => _tcp.Count;

    /// <summary>Looks up a connection's RFC state name (tests; loop thread only).</summary>
    internal string? TcpStateOf(FlowKey key) => _tcp.TryGetValue(key, out TcpConnection? c) ? c.StateName : null;

    private void HandleTcp(in Ipv4Header ip, ReadOnlySpan<byte> segment)
    {
        if (!TcpHeader.TryRead(ip, segment, out TcpHeader tcp, out ReadOnlySpan<byte> data))
        {
            Counters.Malformed();
            return;
        }

        if (ip.Destination is GuestAddresses.LimitedBroadcast or GuestAddresses.Broadcast || ip.Source == 0)
        {
            Counters.Unsupported();
            return;
        }

        var key = new FlowKey(ip.Source, tcp.SourcePort, ip.Destination, tcp.DestinationPort);
        if (_tcp.TryGetValue(key, out TcpConnection? connection))
        {
            connection.OnSegment(tcp, data);
            return;
        }

        if (tcp.Flags.HasFlag(TcpFlags.Syn) && !tcp.Has(TcpFlags.Ack) && !tcp.Has(TcpFlags.Rst))
        {
            OpenFromGuest(key, tcp);
            return;
        }

        ResetUnknown(ip, tcp, data.Length);
    }

    /// <summary>Answers a segment for no connection with a RST (RFC 9293 3.10.7.1), never a RST with a RST.</summary>
    private void ResetUnknown(in Ipv4Header ip, in TcpHeader tcp, int dataLength)
    {
        if (tcp.Has(TcpFlags.Rst))
        {
            return;
        }

        if (tcp.Has(TcpFlags.Ack))
        {
            EmitTcpRaw(ip.Destination, ip.Source, tcp.DestinationPort, tcp.SourcePort, tcp.Acknowledgment, 0,
                TcpFlags.Rst, 0);
        }
        else
        {
            uint length = (uint)dataLength + (tcp.Has(TcpFlags.Syn) ? 1u : 0u) + (tcp.Has(TcpFlags.Fin) ? 1u : 0u);
            EmitTcpRaw(ip.Destination, ip.Source, tcp.DestinationPort, tcp.SourcePort, 0, tcp.Sequence + length,
                TcpFlags.Rst | TcpFlags.Ack, 0);
        }
    }

    private void OpenFromGuest(FlowKey key, in TcpHeader syn)
    {
        IPEndPoint target;
        if (key.RemoteIp == GuestAddresses.Gateway)
        {
            target = new IPEndPoint(IPAddress.Loopback, key.RemotePort);
        }
        else if (GuestAddresses.InNetwork(key.RemoteIp) || key.RemoteIp == 0 || (key.RemoteIp >> 28) >= 0xE)
        {
            // 10.0.2.3 serves only UDP DNS; other local, multicast and reserved addresses have nobody behind them.
            Counters.Unsupported();
            EmitTcpRaw(key.RemoteIp, key.GuestIp, key.RemotePort, key.GuestPort, 0, syn.Sequence + 1,
                TcpFlags.Rst | TcpFlags.Ack, 0);
            return;
        }
        else
        {
            target = new IPEndPoint(ToAddress(key.RemoteIp), key.RemotePort);
        }

        if (Options.Restrict || _tcp.Count >= Options.MaxTcpConnections)
        {
            if (Options.Restrict)
            {
                Counters.Policy();
            }
            else
            {
                Counters.Limit();
            }

            EmitTcpRaw(key.RemoteIp, key.GuestIp, key.RemotePort, key.GuestPort, 0, syn.Sequence + 1,
                TcpFlags.Rst | TcpFlags.Ack, 0);
            return;
        }

        var connection = new TcpConnection(this, key);
        connection.AcceptGuestSyn(syn);
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        connection.Host = socket;
        AddTcp(connection);
        Counters.TcpConnection();
        _ = ConnectAsync();

        async Task ConnectAsync()
        {
            bool success;
            try
            {
                await socket.ConnectAsync(target).ConfigureAwait(false);
                success = true;
            }
            catch (SocketException)
            {
                success = false;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Post(() => connection.OnHostConnected(success));
        }
    }

    /// <summary>A forwarded host connection was accepted: open a connection from 10.0.2.2 to the guest's port.</summary>
    private void OnForwardAccepted(HostForward forward, Socket socket)
    {
        if (_tcp.Count >= Options.MaxTcpConnections)
        {
            Counters.Limit();
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
            return;
        }

        ushort remotePort = (ushort)((IPEndPoint)socket.RemoteEndPoint!).Port;
        FlowKey key;
        int attempts = 0;
        do
        {
            key = new FlowKey(GuestAddresses.Guest, (ushort)forward.GuestPort, GuestAddresses.Gateway, remotePort);
            remotePort = (ushort)(remotePort == 65535 ? 1024 : remotePort + 1);
        }
        while (_tcp.ContainsKey(key) && ++attempts < 1000);

        socket.NoDelay = true;
        var connection = new TcpConnection(this, key) { Host = socket };
        AddTcp(connection);
        Counters.TcpConnection();
        connection.StartToGuest();
    }

    private void AddTcp(TcpConnection connection)
    {
        _tcp.Add(connection.Key, connection);
        _tcpList.Add(connection);
    }

    internal void RemoveTcp(TcpConnection connection)
    {
        if (_tcp.TryGetValue(connection.Key, out TcpConnection? current) && current == connection)
        {
            _tcp.Remove(connection.Key);
            _tcpListDirty = true;
        }
    }

    internal void StartHostRead(TcpConnection connection, Memory<byte> buffer)
    {
        Socket? socket = connection.Host;
        if (socket is null)
        {
            return;
        }

        _ = ReadAsync();

        async Task ReadAsync()
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                n = -1;
            }
            catch (ObjectDisposedException)
            {
                n = -1;
            }

            Post(() => connection.OnHostRead(n));
        }
    }

    internal void StartHostWrite(TcpConnection connection, ReadOnlyMemory<byte> data)
    {
        Socket? socket = connection.Host;
        if (socket is null)
        {
            return;
        }

        _ = WriteAsync();

        async Task WriteAsync()
        {
            int n;
            try
            {
                n = await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                n = -1;
            }
            catch (ObjectDisposedException)
            {
                n = -1;
            }

            Post(() => connection.OnHostWritten(n));
        }
    }

    /// <summary>
    /// Keeps the RST of an aborted connection that the guest's NIC refused, for the tick to retry. Without it, a guest
    /// that only receives on the connection (nothing it sends would meet our "no such connection" RST) would wait on
    /// it for good.
    /// </summary>
    internal void RetryReset(FlowKey key, uint sequence, uint acknowledgment)
    {
        if (_pendingResets.Count < MaxPendingResets)
        {
            _pendingResets.Add(new PendingReset(key, sequence, acknowledgment, NowMs + ResetRetryMs));
        }
    }

    private void RetryPendingResets(long now)
    {
        for (int i = _pendingResets.Count - 1; i >= 0; i--)
        {
            PendingReset reset = _pendingResets[i];
            FlowKey key = reset.Key;
            // A new connection on the same addresses and ports must not be hit by the old one's RST.
            bool done = now >= reset.Deadline || _tcp.ContainsKey(key) ||
                EmitTcpRaw(key.RemoteIp, key.GuestIp, key.RemotePort, key.GuestPort, reset.Sequence,
                    reset.Acknowledgment, TcpFlags.Rst | TcpFlags.Ack, 0);
            if (done)
            {
                _pendingResets.RemoveAt(i);
            }
        }
    }

    private void TickTcp(long now)
    {
        if (_pendingResets.Count > 0)
        {
            RetryPendingResets(now);
        }

        if (_tcpListDirty)
        {
            _tcpList.RemoveAll(c => c.Phase == TcpPhase.Closed);
            _tcpListDirty = false;
        }

        for (int i = 0; i < _tcpList.Count; i++)
        {
            _tcpList[i].OnTick(now);
        }
    }

    private void CloseAllTcp()
    {
        foreach (TcpConnection connection in _tcpList.ToArray())
        {
            connection.Close(true);
        }

        _tcpList.Clear();
        _tcp.Clear();
        _pendingResets.Clear();
    }
}
