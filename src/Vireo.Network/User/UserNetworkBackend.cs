using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>
/// User-mode NAT (<c>--net user</c>): a rootless TCP/IP stack in managed code that gives the guest the network
/// 10.0.2.0/24 with a gateway (10.0.2.2, which also reaches the host's loopback), a DNS forwarder (10.0.2.3), a DHCP
/// server (handing out 10.0.2.15), ICMP echo, and UDP and TCP NAT onto host sockets, plus host port forwards.
/// </summary>
/// <remarks>
/// Everything runs on one event-loop thread per back-end: guest frames are queued by <see cref="Send"/>, host socket
/// completions are posted back to the loop, and timers are checked against the injected <see cref="TimeProvider"/>.
/// No state is shared with other back-ends.
/// </remarks>
public sealed partial class UserNetworkBackend : INetworkBackend
{
    private const int MaxQueuedFrames = 4096;
    private const long TickMs = 10;

    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly ConcurrentQueue<(byte[] Buffer, int Length)> _frames = new();
    private readonly ConcurrentQueue<Action> _work = new();
    private readonly AutoResetEvent _wake = new(false);
    /// <summary>Most TCP payload in one frame to a guest that takes large segments (frame stays under 64 KiB).</summary>
    internal const int MaxLargeSegmentPayload = 60_000;

    private readonly byte[] _tx = new byte[EthernetHeader.Length + Ipv4Header.MinLength + 64 + MaxLargeSegmentPayload];
    private readonly List<TcpConnection> _flushList = [];
    private readonly Ipv4Reassembler _reassembler;
    private readonly byte[] _fragmentSource = new byte[Ipv4Reassembler.MaxPacket];
    private Thread? _thread;
    private IFrameReceiver? _receiver;
    private volatile bool _stopping;
    private int _queued;
    private long _nextTick;
    private ushort _ipId;
    private uint _issCounter;

    /// <summary>Creates the back-end and binds the host ports of every forward.</summary>
    /// <exception cref="NetworkOptionsException">A forwarded host port cannot be bound.</exception>
    public UserNetworkBackend(UserNetworkOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _time = timeProvider ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
        _issCounter = (uint)Random.Shared.Next();
        DnsServers = options.DnsServers ?? ResolvConf.ReadNameservers(options.ResolvConfPath);
        _reassembler = new Ipv4Reassembler(options.FragmentTimeout, Counters);
        try
        {
            OpenForwards();
        }
        catch
        {
            DisposeSockets();
            throw;
        }
    }

    public UserNetworkOptions Options { get; }

    public UserNetworkCounters Counters { get; } = new();

    /// <summary>The resolvers DNS queries are forwarded to (empty: every query gets SERVFAIL).</summary>
    public IReadOnlyList<IPEndPoint> DnsServers { get; }

    /// <summary>Milliseconds since creation on the injected clock.</summary>
    internal long NowMs => (long)_time.GetElapsedTime(_startTimestamp).TotalMilliseconds;

    public void Attach(IFrameReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (_receiver is not null)
        {
            throw new InvalidOperationException("The back-end is already attached.");
        }

        _receiver = receiver;
        _thread = new Thread(Loop) { IsBackground = true, Name = "vireo-net-user" };
        _thread.Start();
    }

    public void Send(ReadOnlySpan<byte> frame)
    {
        if (_stopping)
        {
            return;
        }

        if (frame.Length > EthernetHeader.MaxFrameLength + 4)
        {
            Counters.FrameFromGuest();
            Counters.Malformed();
            return;
        }

        if (Interlocked.Increment(ref _queued) > MaxQueuedFrames)
        {
            Interlocked.Decrement(ref _queued);
            Counters.QueueFull();
            return;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(frame.Length, 1));
        frame.CopyTo(copy);
        _frames.Enqueue((copy, frame.Length));
        _wake.Set();
    }

    /// <summary>
    /// Waits until the loop has handled everything queued before the call (guest frames and host events).
    /// For tests and orderly shutdown; returns false on timeout.
    /// </summary>
    public bool WaitIdle(TimeSpan timeout)
    {
        if (_thread is null)
        {
            return true;
        }

        using var done = new ManualResetEventSlim();
        Post(Check);
        return done.Wait(timeout);

        // The loop takes guest frames and posted actions from two queues, frames first: a frame sent just before this
        // call can arrive after the loop finished its frames and before it runs the actions, so the check waits until
        // the frame queue is empty when it runs (a frame the loop has taken is handled before it gets to the actions).
        void Check()
        {
            if (_frames.IsEmpty)
            {
                done.Set();
            }
            else
            {
                Post(Check);
            }
        }
    }

    /// <summary>Wakes the loop so it re-reads the clock (tests that advance a fake clock call this).</summary>
    public void Wake() => _wake.Set();

    internal void Post(Action action)
    {
        if (_stopping)
        {
            return;
        }

        _work.Enqueue(action);
        _wake.Set();
    }

    private void Loop()
    {
        try
        {
            while (!_stopping)
            {
                RunOnce();
                long wait = Math.Clamp(_nextTick - NowMs, 1, 20);
                _wake.WaitOne(TimeSpan.FromMilliseconds(wait));
            }
        }
        finally
        {
            DisposeSockets();
        }
    }

    private void RunOnce()
    {
        while (_frames.TryDequeue(out (byte[] Buffer, int Length) item))
        {
            Interlocked.Decrement(ref _queued);
            try
            {
                Counters.FrameFromGuest();
                HandleFrame(item.Buffer.AsSpan(0, item.Length));
            }
#pragma warning disable CA1031 // A bug must not take the VM's network down; it is counted and the frame dropped.
            catch (Exception)
            {
                Counters.InternalError();
            }
#pragma warning restore CA1031
            finally
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }

            if (_flushList.Count > 32)
            {
                FlushConnections();
            }
        }

        while (_work.TryDequeue(out Action? action))
        {
            try
            {
                action();
            }
#pragma warning disable CA1031 // As above: count, keep serving.
            catch (Exception)
            {
                Counters.InternalError();
            }
#pragma warning restore CA1031
        }

        long now = NowMs;
        if (now >= _nextTick)
        {
            _nextTick = now + TickMs;
            try
            {
                OnTick(now);
            }
#pragma warning disable CA1031 // As above: count, keep serving.
            catch (Exception)
            {
                Counters.InternalError();
            }
#pragma warning restore CA1031
        }

        FlushConnections();
    }

    private void FlushConnections()
    {
        // Connections flush once per batch of frames, so one ACK can cover several received segments.
        for (int i = 0; i < _flushList.Count; i++)
        {
            TcpConnection connection = _flushList[i];
            connection.FlushQueued = false;
            connection.Flush();
        }

        _flushList.Clear();
    }

    internal void QueueFlush(TcpConnection connection)
    {
        if (!connection.FlushQueued)
        {
            connection.FlushQueued = true;
            _flushList.Add(connection);
        }
    }

    private void OnTick(long now)
    {
        TickTcp(now);
        TickUdp(now);
        TickDns(now);
        TickNeighbor(now);
        _reassembler.Expire(now);
    }

    internal uint NewInitialSequence()
    {
        _issCounter += 64000 + (uint)Random.Shared.Next(1 << 16);
        return _issCounter;
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _wake.Set();
        if (_thread is null)
        {
            DisposeSockets();
        }
        else if (_thread != Thread.CurrentThread)
        {
            _thread.Join();
        }

        _wake.Dispose();
    }

    private void DisposeSockets()
    {
        CloseForwards();
        CloseAllTcp();
        CloseAllUdp();
        CloseDns();
        ReleaseHeld();
        _reassembler.Clear();
    }

    /// <summary>True when the guest's NIC takes TCP frames larger than one segment (virtio-net GUEST_TSO4).</summary>
    internal bool GuestTakesLargeSegments => _receiver is { AcceptsLargeTcpSegments: true };

    /// <summary>
    /// Writes Ethernet and IPv4 headers around the payload already at offset 34 of the transmit buffer.
    /// <paramref name="segmentSize"/> is non-zero for a TCP frame carrying several segments' worth of payload.
    /// </summary>
    internal bool EmitIp(uint source, uint destination, byte protocol, int payloadLength, int segmentSize = 0)
    {
        Span<byte> frame = _tx;
        Ipv4Header.Write(frame[EthernetHeader.Length..], source, destination, protocol, payloadLength, _ipId++);
        return Deliver(EthernetHeader.Length + Ipv4Header.MinLength + payloadLength, segmentSize);
    }

    private bool Deliver(int length, int segmentSize)
    {
        if (_receiver is null)
        {
            return false;
        }

        if (_guestMac.IsZero)
        {
            // As a gateway does: ask who has the guest's address and hold the frame until the answer.
            return HoldForGuestMac(length, segmentSize);
        }

        new EthernetHeader(_guestMac, GuestAddresses.GatewayMac, EthernetHeader.TypeIpv4).Write(_tx);
        // Every frame the stack builds has correct checksums: the guest may skip verifying them.
        if (!_receiver.Receive(_tx.AsSpan(0, length), new ReceiveOffload(true, segmentSize)))
        {
            Counters.GuestBusy();
            return false;
        }

        Counters.FrameToGuest();
        return true;
    }

    /// <summary>Builds and sends a TCP segment of <paramref name="connection"/> to the guest.</summary>
    internal bool EmitTcp(TcpConnection connection, uint seq, uint ack, TcpFlags flags, ushort window, int dataOffset,
        int dataLength, ByteRing? data = null, ushort mss = 0, int windowScale = -1, int segmentSize = 0)
    {
        FlowKey key = connection.Key;
        return EmitTcpRaw(key.RemoteIp, key.GuestIp, key.RemotePort, key.GuestPort, seq, ack, flags, window,
            dataOffset, dataLength, data, mss, windowScale, segmentSize);
    }

    private bool EmitTcpRaw(uint source, uint destination, ushort sourcePort, ushort destinationPort, uint seq,
        uint ack, TcpFlags flags, ushort window, int dataOffset = 0, int dataLength = 0, ByteRing? data = null,
        ushort mss = 0, int windowScale = -1, int segmentSize = 0)
    {
        const int TcpStart = EthernetHeader.Length + Ipv4Header.MinLength;
        int headerLength = TcpHeader.HeaderLengthFor(mss, windowScale);
        if (dataLength > 0 && data is not null)
        {
            data.CopyTo(dataOffset, _tx.AsSpan(TcpStart + headerLength, dataLength));
        }

        TcpHeader.Write(_tx.AsSpan(TcpStart), source, destination, sourcePort, destinationPort, seq, ack, flags,
            window, dataLength, mss, windowScale);
        return EmitIp(source, destination, Ipv4Header.ProtocolTcp, headerLength + dataLength,
            dataLength > segmentSize ? segmentSize : 0);
    }

    /// <summary>
    /// Sends a UDP datagram to the guest (the data is copied into the frame); one larger than a frame goes as IPv4
    /// fragments of at most 1480 bytes, which the guest's kernel reassembles.
    /// </summary>
    internal bool EmitUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort,
        ReadOnlySpan<byte> data)
    {
        const int UdpStart = EthernetHeader.Length + Ipv4Header.MinLength;
        if (data.Length <= EthernetHeader.MaxFrameLength - UdpStart - UdpHeader.Length)
        {
            data.CopyTo(_tx.AsSpan(UdpStart + UdpHeader.Length));
            UdpHeader.Write(_tx.AsSpan(UdpStart), source, destination, sourcePort, destinationPort, data.Length);
            return EmitIp(source, destination, Ipv4Header.ProtocolUdp, UdpHeader.Length + data.Length);
        }

        if (data.Length > Ipv4Reassembler.MaxPacket - Ipv4Header.MinLength - UdpHeader.Length)
        {
            Counters.Unsupported();
            return false;
        }

        // The whole UDP segment (header + data, checksummed), then one IPv4 fragment per 1480 bytes of it.
        Span<byte> segment = _fragmentSource.AsSpan(0, UdpHeader.Length + data.Length);
        data.CopyTo(segment[UdpHeader.Length..]);
        UdpHeader.Write(segment, source, destination, sourcePort, destinationPort, data.Length);
        const int FragmentData = (EthernetHeader.MaxFrameLength - UdpStart) & ~7;
        ushort identification = _ipId++;
        bool delivered = true;
        for (int offset = 0; offset < segment.Length; offset += FragmentData)
        {
            int length = Math.Min(FragmentData, segment.Length - offset);
            bool more = offset + length < segment.Length;
            segment.Slice(offset, length).CopyTo(_tx.AsSpan(UdpStart));
            Span<byte> ip = _tx.AsSpan(EthernetHeader.Length, Ipv4Header.MinLength);
            Ipv4Header.Write(ip, source, destination, Ipv4Header.ProtocolUdp, length, identification);
            // Ipv4Header.Write sets DF; a fragment carries MF (all but the last) and its offset in 8-byte units.
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], (ushort)((more ? 0x2000 : 0) | (offset >> 3)));
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip));
            delivered &= Deliver(UdpStart + length, 0);
        }

        return delivered;
    }
}
