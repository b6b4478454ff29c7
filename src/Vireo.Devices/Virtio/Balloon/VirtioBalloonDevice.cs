using System.Buffers.Binary;
using Vireo.Core.Memory;

namespace Vireo.Devices.Virtio.Balloon;

/// <summary>
/// virtio-balloon (device ID 5, virtio 1.2 section 5.5): the host asks the guest for memory (<see cref="TargetBytes"/>);
/// the guest hands over 4 KiB pages on the inflate queue, which are discarded from the host (they read as zero when
/// the guest takes them back through the deflate queue); the guest's memory statistics come on the stats queue;
/// with free page reporting the guest reports free ranges, which are discarded too.
/// </summary>
/// <remarks>
/// Configuration space: <c>num_pages</c> (the target, in 4 KiB pages, written by the device) and <c>actual</c> (the
/// balloon's size, written by the driver), both little-endian. The stats queue works backwards: the driver posts one
/// buffer of statistics; the device keeps it and, at every <see cref="BalloonOptions.StatsInterval"/>, returns it,
/// which makes the driver post a fresh one. Guest errors (PFNs outside RAM, odd lengths) are counted in
/// <see cref="Counters"/> and the rest of the request is served; only ring violations put the device in NEEDS_RESET.
/// </remarks>
public sealed class VirtioBalloonDevice : VirtioDevice
{
    /// <summary>Queue size offered (free page reporting needs at least 32 entries).</summary>
    public const ushort QueueSize = 128;

    /// <summary>Queues the device has at most: inflate, deflate, stats, reporting (free page hinting is not offered).</summary>
    public const int MaxQueues = 4;

    /// <summary>Size of the configuration space: num_pages and actual.</summary>
    public const int ConfigLength = 8;

    /// <summary>Statistics entries read from one buffer at most (the spec defines 10 tags).</summary>
    private const int MaxStatsEntries = 64;

    /// <summary>PFNs taken from a request per batch (Linux sends 256 per request).</summary>
    private const int PfnBatch = 256;

    private const int StatsEntrySize = 10;

    private readonly BalloonOptions _options;
    private readonly TimeProvider _time;
    private readonly BalloonQueueRole[] _roles = new BalloonQueueRole[MaxQueues];
    private readonly ulong[] _pages = new ulong[PfnBatch];
    private readonly byte[] _pfnBytes = new byte[PfnBatch * sizeof(uint)];
    private readonly byte[] _statsBytes = new byte[MaxStatsEntries * StatsEntrySize];
    private readonly Lock _timerLock = new();
    private VirtqueueChain? _chain;
    private uint _numPages;
    private uint _actual;
    private int _statsQueue = -1;
    private bool _statsHeld;
    private ushort _statsHead;
    private int _statsDue;
    private ITimer? _statsTimer;
    private BalloonStats _stats = BalloonStats.None;

    /// <summary>Creates a balloon configured by <paramref name="options"/>; <paramref name="time"/> drives the stats polling (the system clock when null).</summary>
    public VirtioBalloonDevice(BalloonOptions options, TimeProvider? time = null)
        : base(MaxQueues, QueueSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StatsInterval, TimeSpan.Zero);
        _options = options;
        _time = time ?? TimeProvider.System;
        _numPages = PagesOf(options.InitialTargetBytes);
    }

    /// <inheritdoc/>
    public override uint DeviceId => 5;

    /// <inheritdoc/>
    public override string Name => "virtio-balloon";

    /// <inheritdoc/>
    public override int ConfigSize => ConfigLength;

    /// <summary>The options the device was built with.</summary>
    public BalloonOptions Options => _options;

    /// <summary>What the device did and which guest errors it survived.</summary>
    public VirtioBalloonCounters Counters { get; } = new();

    /// <summary>
    /// The balloon size the host asks for, in bytes (rounded down to 4 KiB pages, at most the guest's RAM). Setting it
    /// raises the config-change interrupt, and the guest inflates or deflates toward it. Thread-safe.
    /// </summary>
    public ulong TargetBytes
    {
        get => (ulong)Volatile.Read(ref _numPages) << GuestRam.PageShift;
        set
        {
            uint pages = PagesOf(value);
            if (IsAttached)
            {
                pages = (uint)Math.Min(pages, Transport.Ram.PageCount);
                Transport.ChangeConfig(() => Volatile.Write(ref _numPages, pages));
            }
            else
            {
                Volatile.Write(ref _numPages, pages);
            }
        }
    }

    /// <summary>The balloon's size as the guest last reported it (<c>actual</c>), in bytes. Thread-safe.</summary>
    public ulong ActualBytes => (ulong)Volatile.Read(ref _actual) << GuestRam.PageShift;

    /// <summary>The guest's last statistics (<see cref="BalloonStats.None"/> before the first). Thread-safe.</summary>
    public BalloonStats Stats => Volatile.Read(ref _stats);

    /// <inheritdoc/>
    protected override ulong DeviceFeatures =>
        VirtioBalloonFeatures.StatsVq
        | (_options.DeflateOnOom ? VirtioBalloonFeatures.DeflateOnOom : 0)
        | (_options.FreePageReporting ? VirtioBalloonFeatures.Reporting : 0);

    /// <summary>
    /// Asks the guest for fresh statistics now (they arrive in <see cref="Stats"/> shortly after). No effect before the
    /// driver is up or while a request is already out. Thread-safe.
    /// </summary>
    public void RequestStats()
    {
        int queue = Volatile.Read(ref _statsQueue);
        if (queue >= 0)
        {
            Volatile.Write(ref _statsDue, 1);
            Transport.Kick(queue);
        }
    }

    /// <inheritdoc/>
    protected internal override void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[ConfigLength];
        BinaryPrimitives.WriteUInt32LittleEndian(config, Volatile.Read(ref _numPages));
        BinaryPrimitives.WriteUInt32LittleEndian(config[4..], Volatile.Read(ref _actual));
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc/>
    protected internal override void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
        // Only actual (bytes 4-7) is the driver's; a write that also covers num_pages changes just its actual part.
        Span<byte> actual = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(actual, Volatile.Read(ref _actual));
        for (int i = 0; i < source.Length; i++)
        {
            int at = offset + i - 4;
            if (at >= 0)
            {
                actual[at] = source[i];
            }
        }

        Volatile.Write(ref _actual, BinaryPrimitives.ReadUInt32LittleEndian(actual));
    }

    /// <inheritdoc/>
    protected internal override void OnDriverOk()
    {
        ulong features = Transport.NegotiatedFeatures;
        int next = 0;
        _roles[next++] = BalloonQueueRole.Inflate;
        _roles[next++] = BalloonQueueRole.Deflate;
        int stats = -1;
        if ((features & VirtioBalloonFeatures.StatsVq) != 0)
        {
            stats = next;
            _roles[next++] = BalloonQueueRole.Stats;
        }

        if ((features & VirtioBalloonFeatures.Reporting) != 0)
        {
            _roles[next++] = BalloonQueueRole.Reporting;
        }

        while (next < MaxQueues)
        {
            _roles[next++] = BalloonQueueRole.None;
        }

        Volatile.Write(ref _statsQueue, stats);
        if (stats >= 0 && _options.StatsInterval > TimeSpan.Zero)
        {
            lock (_timerLock)
            {
                _statsTimer?.Dispose();
                _statsTimer = _time.CreateTimer(static state => ((VirtioBalloonDevice)state!).RequestStats(), this, _options.StatsInterval, _options.StatsInterval);
            }
        }
    }

    /// <inheritdoc/>
    protected internal override void OnReset()
    {
        StopTimer();
        Volatile.Write(ref _statsQueue, -1);
        Array.Clear(_roles);
        _statsHeld = false;
        Volatile.Write(ref _statsDue, 0);
        Volatile.Write(ref _actual, 0);
    }

    /// <inheritdoc/>
    protected internal override void ProcessQueue(int queueIndex)
    {
        VirtqueueChain chain = _chain ??= new VirtqueueChain(Transport.Ram);
        Virtqueue queue = Transport.GetQueue(queueIndex);
        BalloonQueueRole role = _roles[queueIndex];
        bool signal = false;
        if (role == BalloonQueueRole.Stats && Volatile.Read(ref _statsDue) != 0)
        {
            Volatile.Write(ref _statsDue, 0);
            if (_statsHeld)
            {
                // Returning the buffer is the request for fresh statistics.
                _statsHeld = false;
                signal |= queue.PushUsed(_statsHead, 0);
            }
        }

        while (true)
        {
            VirtqueuePopResult result = queue.TryPop(chain, out string? error);
            if (result == VirtqueuePopResult.Malformed)
            {
                Transport.Fail(error!);
                return;
            }

            if (result == VirtqueuePopResult.Empty)
            {
                break;
            }

            switch (role)
            {
                case BalloonQueueRole.Inflate:
                    Counters.Inflated(ServePfns(chain, discard: true));
                    signal |= queue.PushUsed(chain.Head, 0);
                    break;
                case BalloonQueueRole.Deflate:
                    // The pages were discarded on inflate and fault back in as zero: nothing to do but count them.
                    Counters.Deflated(ServePfns(chain, discard: false));
                    signal |= queue.PushUsed(chain.Head, 0);
                    break;
                case BalloonQueueRole.Stats:
                    if (_statsHeld)
                    {
                        // A driver posts one buffer at a time; give the older one back rather than lose it.
                        Counters.Malformed();
                        signal |= queue.PushUsed(_statsHead, 0);
                    }

                    ReadStats(chain);
                    _statsHead = chain.Head;
                    _statsHeld = true;
                    break;
                case BalloonQueueRole.Reporting:
                    ServeReport(chain);
                    signal |= queue.PushUsed(chain.Head, 0);
                    break;
                default:
                    // A queue index the negotiated features do not define: complete it untouched.
                    Counters.Malformed();
                    signal |= queue.PushUsed(chain.Head, 0);
                    break;
            }
        }

        if (signal)
        {
            Transport.SignalUsedBuffer();
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            StopTimer();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Reads the chain's little-endian 32-bit PFNs in batches, counts those outside RAM, and (on inflate) discards the
    /// rest. Returns the number of valid pages.
    /// </summary>
    private int ServePfns(VirtqueueChain chain, bool discard)
    {
        GuestRam ram = chain.Ram;
        if (chain.ReadableBytes == 0 || chain.ReadableCount != chain.Count || (chain.ReadableBytes % sizeof(uint)) != 0)
        {
            Counters.Malformed();
        }

        ulong basePfn = ram.BaseAddress >> GuestRam.PageShift;
        ulong entries = chain.ReadableBytes / sizeof(uint);
        int valid = 0;
        for (ulong done = 0; done < entries;)
        {
            int count = (int)Math.Min(entries - done, PfnBatch);
            Span<byte> bytes = _pfnBytes.AsSpan(0, count * sizeof(uint));
            count = chain.CopyFromReadable(done * sizeof(uint), bytes) / sizeof(uint);
            if (count == 0)
            {
                break;
            }

            int pages = 0;
            for (int i = 0; i < count; i++)
            {
                ulong index = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * sizeof(uint))..]) - basePfn;
                if (index < ram.PageCount)
                {
                    _pages[pages++] = index;
                }
            }

            if (pages != count)
            {
                Counters.InvalidPfn(count - pages);
            }

            valid += pages;
            if (discard && pages > 0)
            {
                ram.DiscardPages(_pages.AsSpan(0, pages));
            }

            done += (ulong)count;
        }

        return valid;
    }

    /// <summary>Discards every whole 4 KiB page of the reported (device-writable) ranges.</summary>
    private void ServeReport(VirtqueueChain chain)
    {
        GuestRam ram = chain.Ram;
        if (chain.ReadableCount != 0)
        {
            Counters.Malformed();
        }

        ReadOnlySpan<VirtqueueSegment> segments = chain.Segments;
        for (int i = chain.ReadableCount; i < segments.Length; i++)
        {
            // Only whole pages inside the range: a partial page may still hold the guest's data.
            ulong start = (segments[i].Address + GuestRam.PageSize - 1) & ~(GuestRam.PageSize - 1);
            ulong end = (segments[i].Address + segments[i].Length) & ~(GuestRam.PageSize - 1);
            if (end <= start)
            {
                Counters.Malformed();
                continue;
            }

            ram.Discard(start, end - start);
            Counters.Reported(end - start);
        }
    }

    private void ReadStats(VirtqueueChain chain)
    {
        if (chain.ReadableCount != chain.Count || (chain.ReadableBytes % StatsEntrySize) != 0)
        {
            Counters.Malformed();
        }

        int length = chain.CopyFromReadable(0, _statsBytes);
        ulong? swapIn = null, swapOut = null, major = null, minor = null, free = null, total = null;
        ulong? available = null, caches = null, hugeAlloc = null, hugeFail = null;
        for (int at = 0; at + StatsEntrySize <= length; at += StatsEntrySize)
        {
            ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(_statsBytes.AsSpan(at));
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_statsBytes.AsSpan(at + 2));
            switch (tag)
            {
                case 0: swapIn = value; break;
                case 1: swapOut = value; break;
                case 2: major = value; break;
                case 3: minor = value; break;
                case 4: free = value; break;
                case 5: total = value; break;
                case 6: available = value; break;
                case 7: caches = value; break;
                case 8: hugeAlloc = value; break;
                case 9: hugeFail = value; break;
                default: break; // a newer driver's tag: ignored, as the spec asks
            }
        }

        Volatile.Write(ref _stats, new BalloonStats
        {
            ReceivedAt = _time.GetUtcNow(),
            SwapIn = swapIn,
            SwapOut = swapOut,
            MajorFaults = major,
            MinorFaults = minor,
            FreeMemory = free,
            TotalMemory = total,
            AvailableMemory = available,
            DiskCaches = caches,
            HugetlbAllocations = hugeAlloc,
            HugetlbFailures = hugeFail,
        });
        Counters.StatsUpdate();
    }

    private void StopTimer()
    {
        lock (_timerLock)
        {
            _statsTimer?.Dispose();
            _statsTimer = null;
        }
    }

    private static uint PagesOf(ulong bytes) => (uint)Math.Min(bytes >> GuestRam.PageShift, uint.MaxValue);
}
