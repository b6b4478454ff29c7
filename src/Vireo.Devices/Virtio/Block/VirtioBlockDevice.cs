using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Vireo.Core.Threading;
using Vireo.Core.Throttling;
using Vireo.Storage;

namespace Vireo.Devices.Virtio.Block;

/// <summary>
/// virtio-blk (device ID 2) over an <see cref="IBlockDevice"/>: read, write, flush, get-id, discard and
/// write-zeroes, read-only disks, seg_max/size_max enforced. Up to <c>maxInFlight</c> requests run concurrently on
/// the device's own I/O threads and complete out of order; data moves directly between the back-end and guest RAM.
/// Optional I/O limits (<see cref="DiskLimitOptions"/>) and a host-wide <see cref="DiskBudget"/> hold reads, writes,
/// discards and write-zeroes back in a first-in first-out queue inside the device until their tokens are granted: the
/// guest sees latency, never an error. Flush and get-id are never held: a flush covers only writes the driver already
/// saw completed, none of which can still wait here, so it goes at once.
/// </summary>
public sealed class VirtioBlockDevice : VirtioDevice
{
    /// <summary>
    /// Queue size offered to the driver (QEMU's largest): with seg_max derived from it, Linux sends a 1 MiB direct
    /// I/O of scattered 4 KiB pages as one request instead of splitting it in two.
    /// </summary>
    public const ushort QueueSize = 1024;

    /// <summary>Largest data buffer accepted (size_max).</summary>
    public const uint MaxSegmentSize = 1 << 20;

    /// <summary>
    /// Most data buffers per request (seg_max); header and status buffers come on top. 512 pages cover the block
    /// layer's largest default request (1.25 MiB) and stay under the transport's chain limit, so a request over it is
    /// still a well-formed chain that fails with an I/O error.
    /// </summary>
    public const uint MaxSegments = QueueSize / 2;

    /// <summary>Most sectors one discard or write-zeroes segment may cover.</summary>
    public const uint MaxRangeSectors = 1 << 22;

    /// <summary>Most segments one discard or write-zeroes request may carry.</summary>
    public const uint MaxRangeSegments = 32;

    /// <summary>
    /// Most requests held by the limiter at once; while that many wait, the device takes no more from the ring (the
    /// guest's queue fills: backpressure, never an error).
    /// </summary>
    public const int MaxThrottled = 120;

    private const int SectorShift = 9;
    private const int HeaderSize = 16;
    private const int ConfigLength = 60;

    private readonly IBlockDevice _disk;
    private readonly byte[] _config = new byte[ConfigLength];
    private readonly byte[] _serial = new byte[20];
    private ulong _capacitySectors;
    private readonly int _maxInFlight;
    private readonly DedicatedWorkerPool _ioThreads;
    private readonly object _slotLock = new();
    private readonly Lock _limitsLock = new();
    private readonly DiskBudget? _budget;
    private readonly TimeProvider _time;
    private readonly VirtioBlockCounters _counters = new();
    private VirtioBlockRequest[]? _free;
    private int _freeCount;
    private int _allocated;
    private int _capacity;
    private IoThrottle? _throttleObject;

    // The fast path's only cost without limits: one null check per request.
    private volatile IoThrottle? _throttle;
    private DiskLimitOptions _limits = DiskLimitOptions.None;

    /// <summary>
    /// Creates a virtio-blk device for <paramref name="disk"/> (not owned: the caller disposes it).
    /// </summary>
    /// <param name="disk">The image back-end.</param>
    /// <param name="readOnly">Offer VIRTIO_BLK_F_RO and fail writes; also forced when the back-end is read-only.</param>
    /// <param name="serial">The GET_ID serial (ASCII, up to 20 bytes, longer is cut).</param>
    /// <param name="blockSize">Logical block size reported in blk_size: 512 or 4096.</param>
    /// <param name="maxInFlight">Requests served concurrently (1 serializes them on the worker).</param>
    /// <param name="limits">I/O limits and weight; null for none.</param>
    /// <param name="budget">The host-wide budget this disk shares with others (not owned), or null.</param>
    /// <param name="time">The limiter's clock (tests); the system clock by default.</param>
    public VirtioBlockDevice(IBlockDevice disk, bool readOnly, string serial, uint blockSize = 512, int maxInFlight = 8,
        DiskLimitOptions? limits = null, DiskBudget? budget = null, TimeProvider? time = null)
        : base(1, QueueSize)
    {
        ArgumentNullException.ThrowIfNull(disk);
        ArgumentNullException.ThrowIfNull(serial);
        if (blockSize is not (512 or 4096))
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), "Block size must be 512 or 4096.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _disk = disk;
        IsReadOnly = readOnly || disk.IsReadOnly;
        _capacitySectors = disk.Length >> SectorShift;
        _maxInFlight = maxInFlight;
        _capacity = maxInFlight;
        _budget = budget;
        _time = time ?? TimeProvider.System;
        UpdateLimits(limits ?? DiskLimitOptions.None);

        // Every request but the one its worker serves may run here.
        _ioThreads = new DedicatedWorkerPool("virtio-blk io", maxInFlight);
        Encoding.ASCII.GetBytes(serial.AsSpan(0, Math.Min(serial.Length, _serial.Length)), _serial);

        Span<byte> c = _config;
        BinaryPrimitives.WriteUInt64LittleEndian(c, _capacitySectors);
        BinaryPrimitives.WriteUInt32LittleEndian(c[8..], MaxSegmentSize);
        BinaryPrimitives.WriteUInt32LittleEndian(c[12..], MaxSegments);
        BinaryPrimitives.WriteUInt32LittleEndian(c[20..], blockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(c[36..], MaxRangeSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(c[40..], MaxRangeSegments);
        BinaryPrimitives.WriteUInt32LittleEndian(c[44..], blockSize >> SectorShift);
        BinaryPrimitives.WriteUInt32LittleEndian(c[48..], MaxRangeSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(c[52..], MaxRangeSegments);
        c[56] = 1; // write_zeroes_may_unmap
    }

    /// <inheritdoc/>
    public override uint DeviceId => 2;

    /// <inheritdoc/>
    public override string Name => "virtio-blk";

    /// <inheritdoc/>
    public override int ConfigSize => ConfigLength;

    /// <summary>True when the guest sees a read-only disk.</summary>
    public bool IsReadOnly { get; }

    /// <summary>The I/O limits in force.</summary>
    public DiskLimitOptions Limits
    {
        get
        {
            lock (_limitsLock)
            {
                return _limits;
            }
        }
    }

    /// <summary>Throughput, operations, throttling and queue depth so far: a snapshot, readable from any thread.</summary>
    public VirtioBlockStats Stats
    {
        get
        {
            int inFlight;
            lock (_slotLock)
            {
                inFlight = _allocated - _freeCount;
            }

            return _counters.Snapshot(inFlight, _throttleObject?.Stats ?? default);
        }
    }

    /// <summary>
    /// Replaces the disk's limits and weight while it runs (the daemon's live update): any thread, in force for the
    /// next request at once, and requests already waiting are re-examined against the new buckets (new buckets start
    /// full). Removing every limit from a disk without a budget puts it back on the unthrottled path.
    /// </summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    public void UpdateLimits(DiskLimitOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        lock (_limitsLock)
        {
            _limits = limits;
            bool needed = !limits.IsUnlimited || _budget is not null;
            if (_throttleObject is null)
            {
                if (!needed)
                {
                    return;
                }

                _throttleObject = new IoThrottle(limits, _budget, _time);
                lock (_slotLock)
                {
                    _capacity = _maxInFlight + MaxThrottled;
                }
            }
            else
            {
                // An unlimited throttle grants at once, so a request that read the old pointer still goes through.
                _throttleObject.Update(limits);
            }

            _throttle = needed ? _throttleObject : null;
        }
    }

    /// <summary>Capacity the guest sees, in bytes.</summary>
    public ulong Capacity => Volatile.Read(ref _capacitySectors) << SectorShift;

    /// <summary>
    /// Changes the capacity the guest sees (for example after the VM manager grew or shrank the disk) and tells the
    /// driver with a config-change interrupt; Linux then re-reads the capacity and resizes the block device.
    /// Requests past the new end fail with an I/O error.
    /// </summary>
    /// <param name="capacityBytes">New capacity: a multiple of 512, at most the back-end's <see cref="IBlockDevice.Length"/>
    /// (growing the image itself is the back-end's business).</param>
    /// <exception cref="ArgumentOutOfRangeException">Not a whole number of sectors, or larger than the back-end.</exception>
    public void Resize(ulong capacityBytes)
    {
        if ((capacityBytes & ((1UL << SectorShift) - 1)) != 0 || capacityBytes > _disk.Length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(capacityBytes), $"Capacity must be a multiple of 512 bytes and at most the disk's {_disk.Length} bytes.");
        }

        ulong sectors = capacityBytes >> SectorShift;
        if (!IsAttached)
        {
            SetCapacity(sectors);
            return;
        }

        Transport.ChangeConfig(() => SetCapacity(sectors));
    }

    /// <inheritdoc/>
    protected override ulong DeviceFeatures =>
        VirtioBlockFeatures.SizeMax | VirtioBlockFeatures.SegMax | VirtioBlockFeatures.BlockSize | VirtioBlockFeatures.Flush
        | (IsReadOnly ? VirtioBlockFeatures.ReadOnly : VirtioBlockFeatures.Discard | VirtioBlockFeatures.WriteZeroes);

    /// <inheritdoc/>
    protected internal override bool IsIdle
    {
        get
        {
            lock (_slotLock)
            {
                return _free == null || _freeCount == _allocated;
            }
        }
    }

    /// <inheritdoc/>
    protected internal override void ReadConfig(int offset, Span<byte> destination) =>
        _config.AsSpan(offset, destination.Length).CopyTo(destination);

    /// <inheritdoc/>
    protected internal override void OnDriverOk()
    {
        if (_free != null)
        {
            return;
        }

        // Room for every slot the limiter may ever need; slots past the first maxInFlight are made on demand.
        var requests = new VirtioBlockRequest[_maxInFlight + MaxThrottled];
        for (int i = 0; i < _maxInFlight; i++)
        {
            requests[i] = new VirtioBlockRequest(this, Transport.Ram);
        }

        lock (_slotLock)
        {
            _free = requests;
            _freeCount = _maxInFlight;
            _allocated = _maxInFlight;
        }
    }

    /// <inheritdoc/>
    protected internal override void OnReset()
    {
        // The rings go away with the reset: requests the limiter holds go now, and then the reset waits until no
        // request still writes guest memory or the used ring.
        _throttleObject?.ReleaseAll();
        lock (_slotLock)
        {
            while (_free != null && _freeCount != _allocated)
            {
                Monitor.Wait(_slotLock);
            }
        }
    }

    /// <inheritdoc/>
    protected internal override void ProcessQueue(int queueIndex)
    {
        Virtqueue queue = Transport.GetQueue(queueIndex);

        // The last chain found is kept back and served on this thread when the queue runs dry, so a lone request
        // costs no thread hop; every earlier one goes to the I/O threads and runs concurrently.
        VirtioBlockRequest? held = null;
        while (Transport.IsLive)
        {
            VirtioBlockRequest? request = TryTakeSlot(wait: held == null);
            if (request == null)
            {
                Execute(held!);
                held = null;
                continue;
            }

            VirtqueuePopResult result = Transport.IsLive ? queue.TryPop(request.Chain, out string? error) : Stopped(out error);
            if (result != VirtqueuePopResult.Chain)
            {
                ReturnSlot(request);
                if (result == VirtqueuePopResult.Malformed)
                {
                    Transport.Fail(error!);
                }

                break;
            }

            IoThrottle? throttle = _throttle;
            if (throttle != null && !Admit(throttle, request))
            {
                continue; // held by the limiter, which queues it to the I/O threads once granted
            }

            if (held != null)
            {
                _ioThreads.Queue(held);
            }

            held = request;
        }

        if (held != null)
        {
            Execute(held);
        }
    }

    /// <summary>
    /// Asks the limiter for the request's tokens: true to run it now, false when the limiter holds it. Requests that
    /// move no data through the limits (flush, get-id, unknown types, malformed headers) always run now.
    /// </summary>
    private static bool Admit(IoThrottle throttle, VirtioBlockRequest request)
    {
        VirtqueueChain chain = request.Chain;
        Span<byte> header = stackalloc byte[HeaderSize];
        if (chain.WritableBytes == 0 || chain.CopyFromReadable(0, header) < HeaderSize)
        {
            return true; // fails in Serve with the right status
        }

        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        switch (type)
        {
            case VirtioBlockRequestType.In:
                return throttle.TryAdmit(request, IoKind.Read, (long)(chain.WritableBytes - 1));
            case VirtioBlockRequestType.Out:
                return throttle.TryAdmit(request, IoKind.Write, (long)(chain.ReadableBytes - HeaderSize));
            case VirtioBlockRequestType.Discard:
            case VirtioBlockRequestType.WriteZeroes:
                // One operation, no bandwidth: no data moves through the host.
                return throttle.TryAdmit(request, IoKind.Write, 0);
            default:
                return true;
        }
    }

    /// <summary>A request the limiter granted: to the I/O threads (never run on the limiter's thread).</summary>
    internal void ReleaseThrottled(VirtioBlockRequest request) => _ioThreads.Queue(request);

    private static VirtqueuePopResult Stopped(out string? error)
    {
        // The device failed or is being reset while this thread waited for a free slot: take nothing more.
        error = null;
        return VirtqueuePopResult.Empty;
    }

    /// <summary>Serves one request, completes it into the used ring and frees its slot. Any thread.</summary>
    internal void Execute(VirtioBlockRequest request)
    {
        VirtqueueChain chain = request.Chain;
        try
        {
            if (chain.WritableBytes == 0)
            {
                Transport.Fail($"queue 0: request at head {chain.Head} has no status byte");
                return;
            }

            byte status = Serve(request, out uint written);
            Span<byte> statusByte = [status];
            chain.CopyToWritable(chain.WritableBytes - 1, statusByte);
            if (Transport.GetQueue(0).PushUsed(chain.Head, written + 1))
            {
                Transport.SignalUsedBuffer();
            }
        }
        finally
        {
            ReturnSlot(request);
        }
    }

    private byte Serve(VirtioBlockRequest request, out uint written)
    {
        VirtqueueChain chain = request.Chain;
        written = 0;
        Span<byte> header = stackalloc byte[HeaderSize];
        if (chain.CopyFromReadable(0, header) < HeaderSize || !WithinLimits(chain))
        {
            return VirtioBlockStatus.IoError;
        }

        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        ulong dataIn = chain.WritableBytes - 1;
        ulong dataOut = chain.ReadableBytes - HeaderSize;
        try
        {
            switch (type)
            {
                case VirtioBlockRequestType.In:
                    if (!InRange(sector, dataIn))
                    {
                        return VirtioBlockStatus.IoError;
                    }

                    ReadData(request, sector << SectorShift);
                    written = (uint)dataIn;
                    _counters.Read(dataIn);
                    return VirtioBlockStatus.Ok;

                case VirtioBlockRequestType.Out:
                    if (IsReadOnly || !InRange(sector, dataOut))
                    {
                        return VirtioBlockStatus.IoError;
                    }

                    WriteData(request, sector << SectorShift);
                    if (!IsNegotiated(VirtioBlockFeatures.Flush))
                    {
                        // Without FLUSH the driver expects a write-through disk.
                        _disk.Flush();
                    }

                    _counters.Write(dataOut);
                    return VirtioBlockStatus.Ok;

                case VirtioBlockRequestType.Flush:
                    _disk.Flush();
                    _counters.Flush();
                    return VirtioBlockStatus.Ok;

                case VirtioBlockRequestType.GetId:
                    written = (uint)chain.CopyToWritable(0, _serial.AsSpan(0, (int)Math.Min(dataIn, (ulong)_serial.Length)));
                    return VirtioBlockStatus.Ok;

                case VirtioBlockRequestType.Discard:
                case VirtioBlockRequestType.WriteZeroes:
                    return IsReadOnly ? VirtioBlockStatus.Unsupported : ServeRanges(chain, type, dataOut);

                default:
                    return VirtioBlockStatus.Unsupported;
            }
        }
        catch (IOException)
        {
            return VirtioBlockStatus.IoError;
        }
        catch (InvalidDataException)
        {
            return VirtioBlockStatus.IoError;
        }
        catch (UnauthorizedAccessException)
        {
            return VirtioBlockStatus.IoError;
        }
        catch (ObjectDisposedException)
        {
            return VirtioBlockStatus.IoError;
        }
        catch (ArgumentException)
        {
            // A back-end that rejects a request we thought valid: still only this request fails.
            return VirtioBlockStatus.IoError;
        }
    }

    private byte ServeRanges(VirtqueueChain chain, uint type, ulong payload)
    {
        ulong count = payload / 16;
        if (payload % 16 != 0 || count == 0 || count > MaxRangeSegments)
        {
            return VirtioBlockStatus.IoError;
        }

        Span<byte> range = stackalloc byte[16];
        for (ulong i = 0; i < count; i++)
        {
            chain.CopyFromReadable(HeaderSize + (16 * i), range);
            ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(range);
            uint sectors = BinaryPrimitives.ReadUInt32LittleEndian(range[8..]);
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(range[12..]);

            // Bit 0 is "unmap": meaningful for write-zeroes only; discard with flags is unsupported by the spec.
            uint allowedFlags = type == VirtioBlockRequestType.WriteZeroes ? 1u : 0u;
            if ((flags & ~allowedFlags) != 0)
            {
                return VirtioBlockStatus.Unsupported;
            }

            if (sectors > MaxRangeSectors || !InRange(sector, (ulong)sectors << SectorShift))
            {
                return VirtioBlockStatus.IoError;
            }

            if (type == VirtioBlockRequestType.Discard)
            {
                _disk.Discard(sector << SectorShift, (ulong)sectors << SectorShift);
            }
            else
            {
                _disk.WriteZeroes(sector << SectorShift, (ulong)sectors << SectorShift);
            }
        }

        return VirtioBlockStatus.Ok;
    }

    private static bool WithinLimits(VirtqueueChain chain)
    {
        if (chain.Count - 2 > MaxSegments)
        {
            return false;
        }

        foreach (VirtqueueSegment segment in chain.Segments)
        {
            if (segment.Length > MaxSegmentSize)
            {
                return false;
            }
        }

        return true;
    }

    private bool InRange(ulong sector, ulong bytes)
    {
        ulong capacity = Volatile.Read(ref _capacitySectors);
        return (bytes & ((1UL << SectorShift) - 1)) == 0 && sector <= capacity && (bytes >> SectorShift) <= capacity - sector;
    }

    private void SetCapacity(ulong sectors)
    {
        Volatile.Write(ref _capacitySectors, sectors);
        BinaryPrimitives.WriteUInt64LittleEndian(_config, sectors);
    }

    /// <summary>Reads the disk into every writable buffer but the status byte, with one back-end call.</summary>
    private void ReadData(VirtioBlockRequest request, ulong offset)
    {
        VirtqueueChain chain = request.Chain;
        IoSegment[] segments = request.Segments;
        int count = 0;
        int last = chain.Count - 1;
        for (int i = chain.ReadableCount; i <= last; i++)
        {
            Span<byte> span = chain.GetSpan(i);
            if (i == last)
            {
                span = span[..^1]; // the status byte
            }

            if (!span.IsEmpty)
            {
                segments[count++] = Segment(span);
            }
        }

        _disk.ReadScattered(offset, segments.AsSpan(0, count));
        ReadOnlySpan<VirtqueueSegment> chainSegments = chain.Segments;
        for (int i = chain.ReadableCount; i <= last; i++)
        {
            chain.Ram.NotifyWritten(chainSegments[i].Address, chainSegments[i].Length);
        }
    }

    /// <summary>Writes every readable buffer after the 16-byte header to the disk, with one back-end call.</summary>
    private void WriteData(VirtioBlockRequest request, ulong offset)
    {
        VirtqueueChain chain = request.Chain;
        IoSegment[] segments = request.Segments;
        int count = 0;
        ulong skip = HeaderSize;
        for (int i = 0; i < chain.ReadableCount; i++)
        {
            Span<byte> span = chain.GetSpan(i);
            if (skip >= (ulong)span.Length)
            {
                skip -= (ulong)span.Length;
                continue;
            }

            segments[count++] = Segment(span[(int)skip..]);
            skip = 0;
        }

        _disk.WriteGathered(offset, segments.AsSpan(0, count));
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _throttleObject?.Dispose();
            _ioThreads.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>A guest-RAM span as a pointer segment (guest RAM is unmanaged and never moves).</summary>
    private static unsafe IoSegment Segment(Span<byte> span) =>
        new((nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span)), span.Length);

    private VirtioBlockRequest? TryTakeSlot(bool wait)
    {
        lock (_slotLock)
        {
            while (_freeCount == 0)
            {
                if (_allocated < _capacity)
                {
                    // The limiter holds requests: a new slot, up to the limiter's bound.
                    _allocated++;
                    return new VirtioBlockRequest(this, Transport.Ram);
                }

                if (!wait)
                {
                    return null;
                }

                Monitor.Wait(_slotLock);
            }

            return _free![--_freeCount];
        }
    }

    private void ReturnSlot(VirtioBlockRequest request)
    {
        lock (_slotLock)
        {
            _free![_freeCount++] = request;
            Monitor.PulseAll(_slotLock);
        }
    }
}
