using System.Buffers.Binary;

namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// virtio-vsock (device ID 19, virtio 1.2 section 5.10): stream sockets between the host (CID 2) and the guest (a
/// configurable CID), with the spec's credit-based flow control. Host code connects to guest ports with
/// <see cref="ConnectAsync"/>; guest connections to host ports go to <see cref="GuestConnect"/>.
/// </summary>
/// <remarks>
/// <para>Queues: 0 rx (device → driver), 1 tx (driver → device), 2 event (never used: there is no migration).</para>
/// <para>The guest is hostile. A descriptor chain the ring code rejects puts the device in NEEDS_RESET, as for every
/// device. A well-formed chain that does not hold a packet (no header, device-writable tx buffers, a length past the
/// buffers) is dropped and counted; a packet not from the guest's CID to the host is dropped and counted; every
/// protocol violation (credit overrun, unknown op or type, an op the connection's state does not allow, a second
/// REQUEST) resets that connection with RST and is counted. A packet for no connection is answered with RST, as the
/// spec says. Host memory per connection is bounded by its two rings (<see cref="DefaultBufferSize"/> each), the
/// number of connections by <see cref="MaxConnections"/>, and queued control packets by
/// <see cref="MaxControlPackets"/>.</para>
/// <para>All connection state is guarded by one lock; the worker never blocks on the host side (rings are
/// non-blocking for it), and host streams await room or data.</para>
/// </remarks>
public sealed class VirtioVsockDevice : VirtioDevice
{
    /// <summary>Queue size offered to the driver.</summary>
    public const ushort QueueSize = 256;

    /// <summary>VMADDR_CID_HOST: the host's context ID.</summary>
    public const ulong HostCid = 2;

    /// <summary>Receive buffer (buf_alloc) per connection and size of the host → guest ring.</summary>
    public const int DefaultBufferSize = 256 * 1024;

    /// <summary>Most connections at once; more requests are refused.</summary>
    public const int MaxConnections = 1024;

    /// <summary>Most control packets (RST, RESPONSE, credit) waiting for receive buffers; more are dropped.</summary>
    public const int MaxControlPackets = 4096;

    /// <summary>VIRTIO_VSOCK_F_STREAM (bit 0). Linux does not know the bit and acks nothing: the spec then implies stream.</summary>
    public const ulong FeatureStream = 1UL << 0;

    /// <summary>Largest payload in one receive packet (as Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE).</summary>
    public const int MaxPayload = 64 * 1024;

    /// <summary>First host-side port for host-initiated connections (far above the usual service ports).</summary>
    public const uint FirstEphemeralPort = 1U << 30;

    private const int ReceiveQueue = 0;
    private const int TransmitQueue = 1;

    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, VsockConnection> _connections = [];
    private readonly Queue<VsockControlPacket> _control = new();
    private readonly Queue<VsockConnection> _ready = new();
    private readonly List<VsockIncomingConnection> _incoming = [];
    private readonly int _bufferSize;
    private uint _nextPort = FirstEphemeralPort;
    private VirtqueueChain? _rxChain;
    private VirtqueueChain? _txChain;

    /// <summary>Creates a vsock device for a guest with context ID <paramref name="guestCid"/>.</summary>
    public VirtioVsockDevice(ulong guestCid, int bufferSize = DefaultBufferSize)
        : base(3, QueueSize)
    {
        if (guestCid < 3 || guestCid >= 0xffff_ffff)
        {
            throw new ArgumentOutOfRangeException(nameof(guestCid), guestCid, "The guest CID must be 3 to 4294967294.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 4096);
        GuestCid = guestCid;
        _bufferSize = bufferSize;
    }

    /// <inheritdoc/>
    public override uint DeviceId => 19;

    /// <inheritdoc/>
    public override string Name => "virtio-vsock";

    /// <inheritdoc/>
    public override int ConfigSize => 8; // le64 guest_cid

    /// <summary>The guest's context ID (config space guest_cid).</summary>
    public ulong GuestCid { get; }

    /// <summary>Dropped packets and protocol violations.</summary>
    public VsockCounters Counters { get; } = new();

    /// <summary>
    /// Receives connections the guest opens to host ports; it accepts or refuses each, at once or later, from any
    /// thread. Runs on the device's worker: it must not block. Null refuses every guest connection.
    /// </summary>
    public Action<VsockIncomingConnection>? GuestConnect { get; set; }

    /// <summary>Number of open (or opening) connections.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <inheritdoc/>
    protected override ulong DeviceFeatures => FeatureStream;

    /// <summary>
    /// Connects to guest port <paramref name="port"/>. Completes when the guest accepts; fails with
    /// <see cref="VsockConnectionRefusedException"/> when it answers RST (nothing listens) or the device resets.
    /// Waits while the guest's driver is not up: pass a cancellation token to bound it.
    /// </summary>
    public async Task<VsockStream> ConnectAsync(uint port, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var completion = new TaskCompletionSource<VsockStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        VsockConnection connection;
        lock (_lock)
        {
            if (_connections.Count >= MaxConnections)
            {
                throw new IOException($"too many vsock connections ({MaxConnections})");
            }

            uint hostPort;
            do
            {
                hostPort = _nextPort;
                _nextPort = _nextPort == uint.MaxValue - 1 ? FirstEphemeralPort : _nextPort + 1;
            }
            while (_connections.ContainsKey(VsockConnection.Keys(hostPort, port)));

            connection = new VsockConnection(hostPort, port, VsockConnectionState.Connecting, _bufferSize) { Connect = completion };
            _connections.Add(connection.Key, connection);
            QueueControl(VsockOp.Request, connection, 0);
        }

        KickReceive();
        using (cancellation.Register(() => CancelConnect(connection, cancellation)))
        {
            return await completion.Task.ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    protected internal override void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(config, GuestCid);
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc/>
    protected internal override void ProcessQueue(int queueIndex)
    {
        if (queueIndex == TransmitQueue)
        {
            ProcessTransmit();
            FillReceive();
        }
        else if (queueIndex == ReceiveQueue)
        {
            FillReceive();
        }

        // The event queue only carries TRANSPORT_RESET after a migration, which Vireo does not do: its buffers stay.
    }

    /// <inheritdoc/>
    protected internal override void OnDriverOk() => KickReceive();

    /// <inheritdoc/>
    protected internal override void OnReset() => CloseAll("the vsock device was reset");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        CloseAll("the VM's vsock device is gone");
        base.Dispose(disposing);
    }

    internal void OnHostConsumed(VsockConnection connection, int count)
    {
        bool kick;
        lock (_lock)
        {
            if (connection.State == VsockConnectionState.Closed)
            {
                return;
            }

            connection.ForwardCount += (uint)count;
            kick = MaybeQueueCreditUpdate(connection);
        }

        if (kick)
        {
            KickReceive();
        }
    }

    internal void OnHostData(VsockConnection connection)
    {
        lock (_lock)
        {
            if (connection.State != VsockConnectionState.Connected)
            {
                return;
            }

            MarkReady(connection);
        }

        KickReceive();
    }

    internal void OnHostClosed(VsockConnection connection)
    {
        lock (_lock)
        {
            connection.HostClosed = true;
            connection.Outbound.Complete();
            connection.Inbound.CloseReader();

            // What the host never read counts as consumed: the guest must not wait for credit that never comes.
            connection.ForwardCount = connection.ReceiveCount;
            if (connection.State == VsockConnectionState.Connected)
            {
                MarkReady(connection);
            }
        }

        KickReceive();
    }

    internal VsockStream? AcceptIncoming(VsockConnection connection)
    {
        VsockStream stream;
        lock (_lock)
        {
            if (connection.State != VsockConnectionState.Accepting)
            {
                return null;
            }

            connection.State = VsockConnectionState.Connected;
            stream = new VsockStream(this, connection);
            connection.Stream = stream;
            QueueControl(VsockOp.Response, connection, 0);
        }

        KickReceive();
        return stream;
    }

    internal void RefuseIncoming(VsockConnection connection)
    {
        lock (_lock)
        {
            if (connection.State != VsockConnectionState.Accepting)
            {
                return;
            }

            QueueControl(VsockOp.Rst, connection, 0);
            Close(connection, "refused", reset: true);
        }

        KickReceive();
    }

    private void CancelConnect(VsockConnection connection, CancellationToken cancellation)
    {
        lock (_lock)
        {
            if (connection.State != VsockConnectionState.Connecting)
            {
                return;
            }

            connection.Connect!.TrySetCanceled(cancellation);
            QueueControl(VsockOp.Rst, connection, 0);
            Close(connection, "connect cancelled", reset: true);
        }

        KickReceive();
    }

    private void KickReceive()
    {
        if (IsAttached)
        {
            Transport.Kick(ReceiveQueue);
        }
    }

    private void CloseAll(string reason)
    {
        lock (_lock)
        {
            foreach (VsockConnection connection in _connections.Values.ToArray())
            {
                Close(connection, reason, reset: true);
            }

            _control.Clear();
            _ready.Clear();
        }
    }

    private void ProcessTransmit()
    {
        VirtqueueChain chain = _txChain ??= new VirtqueueChain(Transport.Ram);
        Virtqueue queue = Transport.GetQueue(TransmitQueue);
        Span<byte> raw = stackalloc byte[VsockHeader.Size];
        bool signal = false;
        while (true)
        {
            VirtqueuePopResult result = queue.TryPop(chain, out string? error);
            if (result == VirtqueuePopResult.Empty)
            {
                break;
            }

            if (result == VirtqueuePopResult.Malformed)
            {
                Counters.Malformed();
                Transport.Fail(error!);
                break;
            }

            lock (_lock)
            {
                HandleTransmit(chain, raw);
            }

            signal |= queue.PushUsed(chain.Head, 0);
        }

        if (signal)
        {
            Transport.SignalUsedBuffer();
        }

        // Outside the lock: a handler may accept at once, which takes it again.
        if (_incoming.Count > 0)
        {
            Action<VsockIncomingConnection>? handler = GuestConnect;
            foreach (VsockIncomingConnection incoming in _incoming)
            {
                if (handler is null)
                {
                    incoming.Refuse();
                }
                else
                {
                    handler(incoming);
                }
            }

            _incoming.Clear();
        }
    }

    private void HandleTransmit(VirtqueueChain chain, Span<byte> raw)
    {
        if (chain.ReadableCount != chain.Count || chain.ReadableBytes < VsockHeader.Size)
        {
            Counters.Malformed();
            return;
        }

        chain.CopyFromReadable(0, raw);
        VsockHeader header = VsockHeader.Read(raw);
        _connections.TryGetValue(VsockConnection.Keys(header.DestinationPort, header.SourcePort), out VsockConnection? connection);
        if (header.Length > chain.ReadableBytes - VsockHeader.Size)
        {
            Counters.Malformed();
            if (connection != null && header.SourceCid == GuestCid)
            {
                Reset(connection, "the guest sent a packet longer than its buffers");
            }

            return;
        }

        if (header.SourceCid != GuestCid || header.DestinationCid != HostCid)
        {
            Counters.Misaddressed();
            return;
        }

        if (header.Type != VsockHeader.TypeStream)
        {
            if (header.Op != VsockOp.Rst)
            {
                Counters.Violation();
                if (connection != null)
                {
                    Reset(connection, "the guest used an unsupported socket type");
                }
                else
                {
                    QueueControl(VsockOp.Rst, header.DestinationPort, header.SourcePort, 0, 0, 0);
                }
            }

            return;
        }

        if (connection == null)
        {
            if (header.Op == VsockOp.Request)
            {
                OpenIncoming(header);
            }
            else if (header.Op != VsockOp.Rst)
            {
                // No such connection: the spec's answer is RST (never to a RST).
                QueueControl(VsockOp.Rst, header.DestinationPort, header.SourcePort, 0, 0, 0);
            }

            return;
        }

        connection.PeerBufferAllocation = header.BufferAllocation;
        connection.PeerForwardCount = header.ForwardCount;
        switch (header.Op)
        {
            case VsockOp.Response when connection.State == VsockConnectionState.Connecting && header.Length == 0:
                connection.State = VsockConnectionState.Connected;
                connection.Stream = new VsockStream(this, connection);
                connection.Connect!.TrySetResult(connection.Stream);
                break;

            case VsockOp.Rst:
                Close(connection, $"the guest reset the connection to port {connection.GuestPort}", reset: false);
                return;

            case VsockOp.Shutdown when connection.State == VsockConnectionState.Connected && header.Length == 0:
                Shutdown(connection, header.Flags);
                return;

            case VsockOp.ReadWrite when connection.State == VsockConnectionState.Connected && !connection.PeerShutdownSend:
                if (header.Length > connection.ReceiveRoom)
                {
                    Counters.Violation();
                    Reset(connection, "the guest overran its credit");
                    return;
                }

                Receive(connection, chain, header.Length);
                break;

            case VsockOp.CreditUpdate when connection.State == VsockConnectionState.Connected && header.Length == 0:
                connection.CreditRequested = false;
                break;

            case VsockOp.CreditRequest when connection.State == VsockConnectionState.Connected && header.Length == 0:
                if (!connection.CreditUpdateQueued)
                {
                    connection.CreditUpdateQueued = true;
                    QueueControl(VsockOp.CreditUpdate, connection, 0);
                }

                break;

            default:
                // A second REQUEST, an op the state does not allow, a payload on a control op, or an unknown op.
                Counters.Violation();
                Reset(connection, $"protocol violation (op {(ushort)header.Op} in state {connection.State})");
                return;
        }

        if (connection.State == VsockConnectionState.Connected)
        {
            MarkReady(connection);
        }
    }

    private void OpenIncoming(in VsockHeader header)
    {
        if (header.Length != 0)
        {
            Counters.Violation();
            QueueControl(VsockOp.Rst, header.DestinationPort, header.SourcePort, 0, 0, 0);
            return;
        }

        if (_connections.Count >= MaxConnections || GuestConnect is null)
        {
            QueueControl(VsockOp.Rst, header.DestinationPort, header.SourcePort, 0, 0, 0);
            return;
        }

        var connection = new VsockConnection(header.DestinationPort, header.SourcePort, VsockConnectionState.Accepting, _bufferSize)
        {
            PeerBufferAllocation = header.BufferAllocation,
            PeerForwardCount = header.ForwardCount,
        };
        _connections.Add(connection.Key, connection);
        _incoming.Add(new VsockIncomingConnection(this, connection));
    }

    private void Receive(VsockConnection connection, VirtqueueChain chain, uint length)
    {
        // The payload follows the header, possibly in the same buffer, possibly across several.
        ulong skip = VsockHeader.Size;
        uint left = length;
        for (int i = 0; i < chain.ReadableCount && left > 0; i++)
        {
            Span<byte> span = chain.GetSpan(i);
            if (skip >= (ulong)span.Length)
            {
                skip -= (ulong)span.Length;
                continue;
            }

            span = span[(int)skip..];
            skip = 0;
            int n = (int)Math.Min((uint)span.Length, left);
            connection.Inbound.Write(span[..n]);
            left -= (uint)n;
        }

        connection.ReceiveCount += length;
        if (connection.Inbound.IsReaderClosed)
        {
            connection.ForwardCount += length;
            MaybeQueueCreditUpdate(connection);
        }
    }

    private void Shutdown(VsockConnection connection, uint flags)
    {
        if ((flags & VsockHeader.ShutdownReceive) != 0)
        {
            connection.Outbound.CloseReader();
        }

        if ((flags & VsockHeader.ShutdownSend) != 0)
        {
            connection.PeerShutdownSend = true;
            connection.Inbound.Complete();
        }

        if ((flags & (VsockHeader.ShutdownReceive | VsockHeader.ShutdownSend)) == (VsockHeader.ShutdownReceive | VsockHeader.ShutdownSend))
        {
            // The guest closed its socket and waits for our RST (Linux resets it itself after a timeout otherwise).
            QueueControl(VsockOp.Rst, connection, 0);
            Close(connection, "the guest closed the connection", reset: false);
        }
    }

    private void Reset(VsockConnection connection, string reason)
    {
        QueueControl(VsockOp.Rst, connection, 0);
        Close(connection, reason, reset: true);
    }

    private void Close(VsockConnection connection, string reason, bool reset)
    {
        _connections.Remove(connection.Key);
        VsockConnectionState was = connection.State;
        connection.State = VsockConnectionState.Closed;
        if (reset)
        {
            connection.Inbound.Reset($"vsock connection to guest port {connection.GuestPort}: {reason}");
        }
        else
        {
            connection.Inbound.Complete();
        }

        connection.Outbound.Reset($"vsock connection to guest port {connection.GuestPort}: {reason}");
        if (was == VsockConnectionState.Connecting)
        {
            connection.Connect!.TrySetException(new VsockConnectionRefusedException($"guest port {connection.GuestPort} refused the connection ({reason})"));
        }
    }

    private void MarkReady(VsockConnection connection)
    {
        if (!connection.InReadyList)
        {
            connection.InReadyList = true;
            _ready.Enqueue(connection);
        }
    }

    private bool MaybeQueueCreditUpdate(VsockConnection connection)
    {
        // The guest's view of our free space; tell it more once that view fell below half the buffer.
        uint seen = connection.BufferAllocation - (connection.ReceiveCount - connection.AdvertisedForwardCount);
        if (connection.CreditUpdateQueued || connection.ForwardCount == connection.AdvertisedForwardCount || seen >= connection.BufferAllocation / 2)
        {
            return false;
        }

        connection.CreditUpdateQueued = true;
        QueueControl(VsockOp.CreditUpdate, connection, 0);
        return true;
    }

    private void QueueControl(VsockOp op, VsockConnection connection, uint flags) =>
        QueueControl(op, connection.HostPort, connection.GuestPort, flags, connection.BufferAllocation, connection.ForwardCount);

    private void QueueControl(VsockOp op, uint hostPort, uint guestPort, uint flags, uint bufferAllocation, uint forwardCount)
    {
        if (_control.Count >= MaxControlPackets)
        {
            Counters.ControlDropped();
            return;
        }

        if (op == VsockOp.Rst)
        {
            Counters.ResetSent();
        }

        _control.Enqueue(new VsockControlPacket(op, hostPort, guestPort, flags, bufferAllocation, forwardCount));
    }

    private void FillReceive()
    {
        VirtqueueChain chain = _rxChain ??= new VirtqueueChain(Transport.Ram);
        Virtqueue queue = Transport.GetQueue(ReceiveQueue);
        Span<byte> raw = stackalloc byte[VsockHeader.Size];
        bool signal = false;
        lock (_lock)
        {
            while (true)
            {
                if (_control.Count > 0)
                {
                    if (!TryPopReceive(queue, chain, ref signal))
                    {
                        break;
                    }

                    VsockControlPacket packet = _control.Dequeue();
                    VsockHeader header = NewHeader(packet.Op, packet.HostPort, packet.GuestPort, packet.BufferAllocation, packet.ForwardCount);
                    header.Flags = packet.Flags;
                    if (_connections.TryGetValue(VsockConnection.Keys(packet.HostPort, packet.GuestPort), out VsockConnection? owner))
                    {
                        header.ForwardCount = owner.ForwardCount;
                        owner.AdvertisedForwardCount = owner.ForwardCount;
                        if (packet.Op == VsockOp.CreditUpdate)
                        {
                            owner.CreditUpdateQueued = false;
                        }
                    }

                    header.Write(raw);
                    chain.CopyToWritable(0, raw);
                    signal |= queue.PushUsed(chain.Head, VsockHeader.Size);
                    continue;
                }

                if (_ready.Count == 0)
                {
                    break;
                }

                VsockConnection connection = _ready.Peek();
                int pending = connection.State == VsockConnectionState.Connected ? connection.Outbound.Count : 0;
                uint credit = connection.PeerCredit;
                if (pending == 0 || credit == 0)
                {
                    _ready.Dequeue();
                    connection.InReadyList = false;
                    if (connection.State != VsockConnectionState.Connected)
                    {
                        continue;
                    }

                    if (pending > 0)
                    {
                        // Out of credit: ask once; the guest's next update puts the connection back in the list.
                        if (!connection.CreditRequested)
                        {
                            connection.CreditRequested = true;
                            QueueControl(VsockOp.CreditRequest, connection, 0);
                        }
                    }
                    else if (connection.Outbound.IsDrained)
                    {
                        if (connection.HostClosed)
                        {
                            // Both directions done on our side: tell the guest and forget the connection (its RST
                            // answer then meets no connection, and a RST is never answered).
                            QueueControl(VsockOp.Shutdown, connection, VsockHeader.ShutdownReceive | VsockHeader.ShutdownSend);
                            Close(connection, "closed by the host", reset: false);
                        }
                        else if (!connection.SentShutdown)
                        {
                            connection.SentShutdown = true;
                            QueueControl(VsockOp.Shutdown, connection, VsockHeader.ShutdownSend);
                        }
                    }

                    continue;
                }

                if (!TryPopReceive(queue, chain, ref signal))
                {
                    break;
                }

                int room = (int)Math.Min(chain.WritableBytes - VsockHeader.Size, MaxPayload);
                int n = (int)Math.Min((uint)Math.Min(pending, room), credit);
                VsockHeader data = NewHeader(VsockOp.ReadWrite, connection.HostPort, connection.GuestPort, connection.BufferAllocation, connection.ForwardCount);
                data.Length = (uint)n;
                data.Write(raw);
                chain.CopyToWritable(0, raw);
                connection.Outbound.Peek(n, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second);
                chain.CopyToWritable(VsockHeader.Size, first);
                chain.CopyToWritable(VsockHeader.Size + (ulong)first.Length, second);
                connection.Outbound.Advance(n);
                connection.TransmitCount += (uint)n;
                connection.AdvertisedForwardCount = connection.ForwardCount;
                signal |= queue.PushUsed(chain.Head, (uint)(VsockHeader.Size + n));

                // Round robin between connections with data.
                _ready.Dequeue();
                _ready.Enqueue(connection);
            }
        }

        if (signal)
        {
            Transport.SignalUsedBuffer();
        }
    }

    /// <summary>Takes the next receive chain that can hold a packet; chains that cannot are returned empty and counted.</summary>
    private bool TryPopReceive(Virtqueue queue, VirtqueueChain chain, ref bool signal)
    {
        while (true)
        {
            VirtqueuePopResult result = queue.TryPop(chain, out string? error);
            if (result == VirtqueuePopResult.Empty)
            {
                return false;
            }

            if (result == VirtqueuePopResult.Malformed)
            {
                Counters.Malformed();
                Transport.Fail(error!);
                return false;
            }

            if (chain.ReadableCount == 0 && chain.WritableBytes >= VsockHeader.Size)
            {
                return true;
            }

            Counters.Malformed();
            signal |= queue.PushUsed(chain.Head, 0);
        }
    }

    private VsockHeader NewHeader(VsockOp op, uint hostPort, uint guestPort, uint bufferAllocation, uint forwardCount) => new()
    {
        SourceCid = HostCid,
        DestinationCid = GuestCid,
        SourcePort = hostPort,
        DestinationPort = guestPort,
        Type = VsockHeader.TypeStream,
        Op = op,
        BufferAllocation = bufferAllocation,
        ForwardCount = forwardCount,
    };
}
