using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Vireo.Core.Throttling;
using Vireo.Network;
using Vireo.Network.Packets;

namespace Vireo.Devices.Virtio.Net;

/// <summary>
/// virtio-net (device ID 1) on any virtio transport: a receive queue (0) and a transmit queue (1), the MAC and link
/// status in config space, mergeable receive buffers, and TCP/IPv4 offloads both ways: the guest's partial checksums
/// and TSO super-frames are completed and segmented here (back-ends always see plain, checksummed Ethernet), and a
/// back-end may hand the guest frames with checksums marked valid and TCP frames larger than one segment. Frames from
/// the back-end are queued and written into guest buffers on the device's worker thread; transmitted frames go to the
/// back-end from the same thread. Optional limits (<see cref="NetLimitOptions"/>: bytes and packets per second each
/// way) hold the next transmit chain in the device until its tokens come (the guest's transmit ring fills:
/// backpressure), and pace delivery to the guest; while receive is limited, frames beyond
/// <see cref="RxThrottledBacklogBytes"/> waiting are refused (counted in <see cref="VirtioNetCounters.RxThrottleDropped"/>),
/// which the NAT's TCP takes as backpressure and retries, so only datagrams are lost, never silently.
/// </summary>
public sealed class VirtioNetDevice : VirtioDevice, IFrameReceiver
{
    /// <summary>Queue size offered to the driver.</summary>
    public const ushort QueueSize = 256;

    /// <summary>struct virtio_net_hdr with num_buffers (VERSION_1 always has it).</summary>
    public const int HeaderLength = 12;

    /// <summary>Frames from the back-end waiting for guest receive buffers; more are dropped.</summary>
    public const int RxBacklog = 256;

    /// <summary>Largest frame toward the guest (64 KiB covers any MTU a back-end can produce and a TSO frame).</summary>
    public const int MaxFrameLength = 65535 - HeaderLength;

    /// <summary>Largest frame from the guest: a TSO super-frame is a full 64 KiB IPv4 packet plus its headers.</summary>
    public const int MaxTransmitFrameLength = EthernetHeader.Length + 4 + 65535;

    /// <summary>Bytes of frames that may wait for a limited receive direction; a frame beyond is refused (counted).</summary>
    public const int RxThrottledBacklogBytes = 256 << 10;

    private const int ReceiveQueue = 0;
    private const int TransmitQueue = 1;
    private const byte HeaderFlagNeedsCsum = 1;
    private const byte HeaderFlagDataValid = 2;
    private const byte GsoNone = 0;
    private const byte GsoTcpV4 = 1;
    private const ushort LinkUp = 1;

    private readonly INetworkBackend _backend;
    private readonly BackendFrameSink _segmentSink;
    private readonly ConcurrentQueue<(byte[] Buffer, int Length, ReceiveOffload Offload)> _rxPending = new();
    private readonly List<VirtqueueChain> _rxChains = [];
    private readonly byte[] _txBuffer = new byte[HeaderLength + MaxTransmitFrameLength];
    private readonly byte[] _segmentBuffer = new byte[MaxTransmitFrameLength];
    private readonly byte[] _header = new byte[HeaderLength];
    private ushort[] _usedHeads = new ushort[QueueSize];
    private uint[] _usedLengths = new uint[QueueSize];
    private VirtqueueChain? _txChain;
    private int _rxCount;
    private int _rxHeld;
    private volatile bool _live;
    private bool _txChecksum;
    private bool _txSegmentation;
    private bool _rxChecksumValid;
    private bool _rxLargeSegments;
    private volatile bool _linkUp = true;
    private readonly TimeProvider _time;
    private readonly Lock _limitsLock = new();
    private NetLimitOptions _limits = NetLimitOptions.None;
    private volatile RateLimiter? _txLimiter;
    private volatile RateLimiter? _rxLimiter;
    private ITimer? _txTimer;
    private ITimer? _rxTimer;
    private bool _txHeld;
    private long _txHeldSince;
    private bool _rxGranted;
    private long _rxWaitSince;
    private long _rxPendingBytes;

    /// <summary>Creates a NIC with address <paramref name="mac"/> connected to <paramref name="backend"/>.</summary>
    /// <param name="backend">Where frames go.</param>
    /// <param name="mac">The NIC's unicast address.</param>
    /// <param name="limits">Rate limits each way; null for none.</param>
    /// <param name="time">The limiters' clock (tests); the system clock by default.</param>
    public VirtioNetDevice(INetworkBackend backend, MacAddress mac, NetLimitOptions? limits = null, TimeProvider? time = null)
        : base(2, QueueSize)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (mac.IsMulticast || mac.IsZero)
        {
            throw new ArgumentException("A NIC needs a unicast MAC address.", nameof(mac));
        }

        _backend = backend;
        _segmentSink = new BackendFrameSink(backend);
        Mac = mac;
        _time = time ?? TimeProvider.System;
        UpdateLimits(limits ?? NetLimitOptions.None);
        backend.Attach(this);
    }

    /// <inheritdoc/>
    public override uint DeviceId => 1;

    /// <inheritdoc/>
    public override string Name => "virtio-net";

    /// <inheritdoc/>
    public override int ConfigSize => 10; // mac[6], status, max_virtqueue_pairs

    /// <inheritdoc/>
    protected override ulong DeviceFeatures =>
        VirtioNetFeatures.Mac | VirtioNetFeatures.Status | VirtioNetFeatures.MergeRxBuffers | VirtioNetFeatures.Csum |
        VirtioNetFeatures.HostTso4 | VirtioNetFeatures.GuestCsum | VirtioNetFeatures.GuestTso4;

    public MacAddress Mac { get; }

    public VirtioNetCounters Counters { get; } = new();

    /// <summary>Throughput, packets, throttling and queue depth so far: a snapshot, readable from any thread.</summary>
    public VirtioNetStats Stats => Counters.Snapshot(Volatile.Read(ref _rxCount));

    /// <summary>The limits in force.</summary>
    public NetLimitOptions Limits
    {
        get
        {
            lock (_limitsLock)
            {
                return _limits;
            }
        }
    }

    /// <summary>
    /// Replaces the limits while the NIC runs (the daemon's live update): any thread, in force at once (new buckets
    /// start full); a transmit chain or received frame waiting for tokens is re-examined immediately.
    /// </summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    public void UpdateLimits(NetLimitOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        lock (_limitsLock)
        {
            _limits = limits;
            _txLimiter = Limiter(limits.Transmit);
            _rxLimiter = Limiter(limits.Receive);
        }

        if (IsAttached)
        {
            Transport.Kick(TransmitQueue);
            Transport.Kick(ReceiveQueue);
        }
    }

    /// <summary>The link state the guest sees (config status); changing it raises a config interrupt.</summary>
    public bool LinkIsUp
    {
        get => _linkUp;
        set
        {
            if (_linkUp != value)
            {
                _linkUp = value;
                if (IsAttached)
                {
                    Transport.SignalConfigChanged();
                }
            }
        }
    }

    /// <summary>
    /// A stable, locally administered MAC for a VM: 52:54:00 (as QEMU uses) followed by three bytes of a hash of
    /// <paramref name="vmIdentifier"/>, so a VM keeps its address across restarts.
    /// </summary>
    public static MacAddress DefaultMac(string vmIdentifier)
    {
        ArgumentNullException.ThrowIfNull(vmIdentifier);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(vmIdentifier));
        return new MacAddress(0x5254_0000_0000UL | ((ulong)hash[0] << 16) | ((ulong)hash[1] << 8) | hash[2]);
    }

    /// <inheritdoc/>
    protected internal override void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[10];
        Mac.Write(config);
        BinaryPrimitives.WriteUInt16LittleEndian(config[6..], _linkUp ? LinkUp : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(config[8..], 1);
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc/>
    public bool AcceptsLargeTcpSegments => _live && _rxLargeSegments;

    /// <summary>A frame from the back-end (any thread). False when the driver is not running or the backlog is full.</summary>
    public bool Receive(ReadOnlySpan<byte> frame) => Receive(frame, default);

    /// <summary>A frame with offload information from the back-end (any thread); see <see cref="IFrameReceiver"/>.</summary>
    public bool Receive(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (!_live || !_linkUp || (offload.TcpSegmentSize != 0 && !_rxLargeSegments))
        {
            Counters.RxDrop();
            return false;
        }

        if (frame.Length < EthernetHeader.Length || frame.Length > MaxFrameLength)
        {
            Counters.RxBig();
            return false;
        }

        if (Interlocked.Increment(ref _rxCount) > RxBacklog)
        {
            Interlocked.Decrement(ref _rxCount);
            Counters.RxDrop();
            return false;
        }

        if (Interlocked.Add(ref _rxPendingBytes, frame.Length) > RxThrottledBacklogBytes + frame.Length &&
            _rxLimiter != null)
        {
            // The limited direction is backed up: refuse rather than queue seconds of traffic.
            Interlocked.Add(ref _rxPendingBytes, -frame.Length);
            Interlocked.Decrement(ref _rxCount);
            Counters.RxThrottleDrop();
            return false;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(copy);
        _rxPending.Enqueue((copy, frame.Length, offload));
        Transport.Kick(ReceiveQueue);
        return true;
    }

    /// <inheritdoc/>
    protected internal override void OnDriverOk()
    {
        // Cached once: the features cannot change while the driver runs, and the hot paths should not ask.
        _txChecksum = IsNegotiated(VirtioNetFeatures.Csum);
        _txSegmentation = IsNegotiated(VirtioNetFeatures.Csum | VirtioNetFeatures.HostTso4);
        _rxChecksumValid = IsNegotiated(VirtioNetFeatures.GuestCsum);
        _rxLargeSegments = IsNegotiated(VirtioNetFeatures.GuestCsum | VirtioNetFeatures.GuestTso4);
        _live = true;
    }

    /// <inheritdoc/>
    protected internal override void OnReset()
    {
        _live = false;
        _rxHeld = 0;
        _txHeld = false;
        _rxGranted = false;
        while (_rxPending.TryDequeue(out (byte[] Buffer, int Length, ReceiveOffload Offload) item))
        {
            Interlocked.Decrement(ref _rxCount);
            Interlocked.Add(ref _rxPendingBytes, -item.Length);
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    /// <inheritdoc/>
    protected internal override void ProcessQueue(int queueIndex)
    {
        bool signal = queueIndex == TransmitQueue ? Transmit() : ReceiveFrames();
        if (signal)
        {
            Transport.SignalUsedBuffer();
        }
    }

    private bool Transmit()
    {
        Virtqueue queue = Transport.GetQueue(TransmitQueue);
        VirtqueueChain chain = _txChain ??= new VirtqueueChain(Transport.Ram);
        bool signal = false;
        while (true)
        {
            if (!_txHeld)
            {
                VirtqueuePopResult result = queue.TryPop(chain, out string? error);
                if (result != VirtqueuePopResult.Chain)
                {
                    if (result == VirtqueuePopResult.Malformed)
                    {
                        Transport.Fail(error!);
                    }

                    return signal;
                }
            }

            ulong length = chain.ReadableBytes;
            RateLimiter? limiter = _txLimiter;
            if (limiter != null && !TakeTransmitTokens(limiter, length))
            {
                return signal; // the chain stays held; a timer kicks the queue when its tokens are due
            }

            _txHeld = false;

            if (length < HeaderLength + EthernetHeader.Length || length > (ulong)_txBuffer.Length)
            {
                Counters.TxBad();
            }
            else
            {
                int n = chain.CopyFromReadable(0, _txBuffer.AsSpan(0, (int)length));
                if (n != (int)length || !TransmitFrame(_txBuffer.AsSpan(0, n)))
                {
                    Counters.TxBad();
                }
                else
                {
                    Counters.AddTxBytes(n - HeaderLength);
                }
            }

            signal |= queue.PushUsed(chain.Head, 0);
        }
    }

    /// <summary>
    /// Takes the tokens of a transmit chain of <paramref name="length"/> bytes (one packet, however many segments a
    /// TSO frame becomes), or holds the chain and arms the transmit timer. Worker thread.
    /// </summary>
    private bool TakeTransmitTokens(RateLimiter limiter, ulong length)
    {
        long bytes = (long)Math.Min(length, (ulong)_txBuffer.Length) - HeaderLength;
        if (limiter.TryTake(Math.Max(bytes, 0), 1, out TimeSpan wait))
        {
            if (_txHeld)
            {
                _txHeld = false;
                Counters.AddTxThrottled(_time.GetTimestamp() - _txHeldSince, _time.TimestampFrequency);
            }

            return true;
        }

        if (!_txHeld)
        {
            _txHeld = true;
            _txHeldSince = _time.GetTimestamp();
        }

        Arm(ref _txTimer, TransmitQueue, wait);
        return false;
    }

    /// <summary>Kicks <paramref name="queueIndex"/> after <paramref name="wait"/> (one timer per direction, made on first use).</summary>
    private void Arm(ref ITimer? timer, int queueIndex, TimeSpan wait)
    {
        timer ??= _time.CreateTimer(static state =>
        {
            var (device, queue) = ((VirtioNetDevice, int))state!;
            device.Transport.Kick(queue);
        }, (this, queueIndex), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        timer.Change(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, Timeout.InfiniteTimeSpan);
    }

    private RateLimiter? Limiter(RateLimitOptions? options) =>
        options is null || options.IsUnlimited ? null : new RateLimiter(options, _time);

    /// <summary>
    /// Sends one header + frame to the back-end, finishing the offloads the header asks for. False (nothing sent) when
    /// it asks for an offload that was not negotiated or its fields do not fit the frame: a driver bug.
    /// </summary>
    private bool TransmitFrame(Span<byte> packet)
    {
        byte flags = packet[0];
        byte gsoType = packet[1];
        int gsoSize = BinaryPrimitives.ReadUInt16LittleEndian(packet[4..]);
        int csumStart = BinaryPrimitives.ReadUInt16LittleEndian(packet[6..]);
        int csumOffset = BinaryPrimitives.ReadUInt16LittleEndian(packet[8..]);
        Span<byte> frame = packet[HeaderLength..];
        bool needsChecksum = (flags & HeaderFlagNeedsCsum) != 0;
        if (gsoType == GsoTcpV4 && _txSegmentation)
        {
            // A back-end that carries large segments (a switch port) gets the frame whole, checksummed over its full
            // length: the receiving VM then pays its per-packet cost once per super-frame too.
            if (_backend.AcceptsLargeTcpSegments && gsoSize > 0 && frame.Length <= MaxFrameLength &&
                TcpSegmenter.CompleteChecksums(frame) &&
                _backend.Send(frame, new ReceiveOffload(ChecksumsValid: true, TcpSegmentSize: gsoSize)))
            {
                Counters.TxFrame();
                return true;
            }

            // Segmentation computes every checksum itself, so a partial checksum needs no separate completion.
            int segments = TcpSegmenter.Segment(frame, gsoSize, _segmentBuffer, _segmentSink, out _);
            if (segments < 0)
            {
                return false;
            }

            Counters.TxFrame();
            Counters.AddTxSegments(segments);
            return true;
        }

        if (gsoType != GsoNone || (needsChecksum && (!_txChecksum ||
            !TransmitOffload.CompleteChecksum(frame, csumStart, csumOffset))))
        {
            return false;
        }

        if (frame.Length > MaxFrameLength)
        {
            // Only a TSO super-frame may use the extra room of the transmit buffer.
            return false;
        }

        Counters.TxFrame();
        _backend.Send(frame);
        return true;
    }

    private bool ReceiveFrames()
    {
        Virtqueue queue = Transport.GetQueue(ReceiveQueue);
        bool mergeable = IsNegotiated(VirtioNetFeatures.MergeRxBuffers);
        bool signal = false;
        while (_rxPending.TryPeek(out (byte[] Buffer, int Length, ReceiveOffload Offload) item))
        {
            RateLimiter? limiter = _rxLimiter;
            if (limiter != null && !_rxGranted && !TakeReceiveTokens(limiter, item.Length))
            {
                return signal;
            }

            _rxGranted = true;
            int needed = HeaderLength + item.Length;

            // Gather receive chains until the frame fits. Chains already taken stay held across calls when the guest
            // runs out of buffers: a popped chain cannot be given back.
            ulong room = 0;
            for (int i = 0; i < _rxHeld; i++)
            {
                room += _rxChains[i].WritableBytes;
            }

            while (room < (ulong)needed && (mergeable || _rxHeld == 0))
            {
                if (_rxHeld == _rxChains.Count)
                {
                    _rxChains.Add(new VirtqueueChain(Transport.Ram));
                }

                VirtqueueChain chain = _rxChains[_rxHeld];
                VirtqueuePopResult result = queue.TryPop(chain, out string? error);
                if (result == VirtqueuePopResult.Malformed)
                {
                    Transport.Fail(error!);
                    return signal;
                }

                if (result == VirtqueuePopResult.Empty)
                {
                    return signal;
                }

                _rxHeld++;
                room += chain.WritableBytes;
                if (_rxHeld > ushort.MaxValue - 1)
                {
                    break;
                }
            }

            _rxPending.TryDequeue(out _);
            _rxGranted = false;
            Interlocked.Decrement(ref _rxCount);
            Interlocked.Add(ref _rxPendingBytes, -item.Length);
            if (room < (ulong)needed)
            {
                // The guest posted buffers too small for this frame (and no merging): hand back an empty packet,
                // which the driver counts as a length error.
                Counters.RxBig();
                VirtqueueChain only = _rxChains[0];
                _header.AsSpan().Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(_header.AsSpan(10), 1);
                int written = only.CopyToWritable(0, _header.AsSpan(0, (int)Math.Min(only.WritableBytes, HeaderLength)));
                SetUsed(0, only.Head, (uint)written);
                for (int i = 1; i < _rxHeld; i++)
                {
                    SetUsed(i, _rxChains[i].Head, 0);
                }

                signal |= queue.PushUsed(_usedHeads.AsSpan(0, _rxHeld), _usedLengths.AsSpan(0, _rxHeld));
            }
            else
            {
                signal |= Deliver(queue, item.Buffer.AsSpan(0, item.Length), item.Offload);
            }

            _rxHeld = 0;
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }

        return signal;
    }

    /// <summary>Takes a received frame's tokens, or arms the receive timer. Worker thread.</summary>
    private bool TakeReceiveTokens(RateLimiter limiter, int length)
    {
        if (limiter.TryTake(length, 1, out TimeSpan wait))
        {
            if (_rxWaitSince != 0)
            {
                Counters.AddRxThrottled(_time.GetTimestamp() - _rxWaitSince, _time.TimestampFrequency);
                _rxWaitSince = 0;
            }

            return true;
        }

        if (_rxWaitSince == 0)
        {
            _rxWaitSince = _time.GetTimestamp();
        }

        Arm(ref _rxTimer, ReceiveQueue, wait);
        return false;
    }

    /// <summary>Writes header and frame across the held chains, then publishes the chains that were used.</summary>
    private bool Deliver(Virtqueue queue, ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        // Count the buffers the frame needs first: num_buffers goes in the header, which comes first.
        int used = 0;
        ulong room = 0;
        while (room < (ulong)(HeaderLength + frame.Length))
        {
            room += _rxChains[used].WritableBytes;
            used++;
        }

        _header.AsSpan().Clear();
        WriteOffloadHeader(frame, offload);
        BinaryPrimitives.WriteUInt16LittleEndian(_header.AsSpan(10), (ushort)used);
        int frameOffset = 0;
        for (int i = 0; i < used; i++)
        {
            VirtqueueChain chain = _rxChains[i];
            int written = 0;
            if (i == 0)
            {
                written = chain.CopyToWritable(0, _header);
            }

            int take = (int)Math.Min(chain.WritableBytes - (ulong)written, (ulong)(frame.Length - frameOffset));
            written += chain.CopyToWritable((ulong)written, frame.Slice(frameOffset, take));
            frameOffset += take;
            SetUsed(i, chain.Head, (uint)written);
        }

        // Chains gathered beyond the need (possible after a partial gather) return empty.
        for (int i = used; i < _rxHeld; i++)
        {
            SetUsed(i, _rxChains[i].Head, 0);
        }

        // One publication for all the frame's buffers: the driver reads num_buffers from the first and then expects
        // every other one to be in the used ring already.
        Counters.RxFrame();
        Counters.AddRxBytes(frame.Length);
        return queue.PushUsed(_usedHeads.AsSpan(0, _rxHeld), _usedLengths.AsSpan(0, _rxHeld));
    }

    private void SetUsed(int index, ushort head, uint length)
    {
        if (index >= _usedHeads.Length)
        {
            // Only a driver that posts more chains than its queue holds gets here: grow rather than fail.
            Array.Resize(ref _usedHeads, _usedHeads.Length * 2);
            Array.Resize(ref _usedLengths, _usedLengths.Length * 2);
        }

        _usedHeads[index] = head;
        _usedLengths[index] = length;
    }

    /// <summary>Fills flags, gso_type, hdr_len and gso_size of the receive header for what the back-end promised.</summary>
    private void WriteOffloadHeader(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (offload.ChecksumsValid && _rxChecksumValid)
        {
            _header[0] = HeaderFlagDataValid;
        }

        if (offload.TcpSegmentSize == 0 || !_rxLargeSegments ||
            !TcpSegmenter.TryParse(frame, out int ipHeaderLength, out int tcpHeaderLength, out int totalLength) ||
            totalLength - ipHeaderLength - tcpHeaderLength <= offload.TcpSegmentSize)
        {
            return;
        }

        // hdr_len: Ethernet + IPv4 + TCP headers, a hint for how much of the frame the driver should keep linear.
        int headers = EthernetHeader.Length + ipHeaderLength + tcpHeaderLength;

        _header[1] = GsoTcpV4;
        BinaryPrimitives.WriteUInt16LittleEndian(_header.AsSpan(2), (ushort)headers);
        BinaryPrimitives.WriteUInt16LittleEndian(_header.AsSpan(4), (ushort)offload.TcpSegmentSize);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _live = false;
            _txTimer?.Dispose();
            _rxTimer?.Dispose();
        }

        base.Dispose(disposing);
    }
}
