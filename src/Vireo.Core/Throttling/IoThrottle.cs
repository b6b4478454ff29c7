namespace Vireo.Core.Throttling;

/// <summary>
/// The limiter of one disk: its total/read/write buckets (<see cref="DiskLimitOptions"/>), its weight in an optional
/// host-wide <see cref="DiskBudget"/>, and a first-in first-out queue of the requests that wait for tokens. A request
/// either goes at once (<see cref="TryAdmit"/> returns true) or waits in the queue and is handed back through
/// <see cref="IThrottledRequest.Release"/>; requests are granted in arrival order (none overtakes another of the same
/// disk). Thread-safe; a disk without limits and without a budget should not have one at all (its device then pays
/// nothing).
/// </summary>
public sealed class IoThrottle : IDisposable
{
    private readonly IoScheduler _scheduler;
    private readonly bool _ownsScheduler;
    private readonly Queue<Waiting> _queue = new();
    private BucketPair? _total;
    private BucketPair? _read;
    private BucketPair? _write;
    private DiskLimitOptions _limits;
    private long _throttled;
    private long _throttledTicks;
    private long _longestTicks;

    /// <summary>Creates the limiter of a disk, sharing <paramref name="budget"/> with other disks when one is given.</summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    public IoThrottle(DiskLimitOptions limits, DiskBudget? budget = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _ownsScheduler = budget is null;
        _scheduler = budget?.Scheduler ?? new IoScheduler(null, time ?? TimeProvider.System);
        _limits = limits;
        SetBuckets(limits, _scheduler.Time.GetTimestamp());
        _scheduler.Add(this);
    }

    /// <summary>The limits in force.</summary>
    public DiskLimitOptions Limits
    {
        get
        {
            lock (_scheduler.Gate)
            {
                return _limits;
            }
        }
    }

    /// <summary>The host budget this disk shares, or null.</summary>
    public bool HasBudget => !_ownsScheduler;

    /// <summary>A consistent snapshot of the queue's counters; any thread.</summary>
    public IoThrottleStats Stats
    {
        get
        {
            lock (_scheduler.Gate)
            {
                double perTick = 1.0 / _scheduler.TicksPerSecond;
                return new IoThrottleStats(_throttled, TimeSpan.FromSeconds(_throttledTicks * perTick), _queue.Count,
                    TimeSpan.FromSeconds(_longestTicks * perTick));
            }
        }
    }

    internal double Tag { get; set; }

    internal int Weight { get; private set; }

    /// <summary>
    /// True when the request may run now (its tokens are taken); false when it was queued and will be released later.
    /// </summary>
    public bool TryAdmit(IThrottledRequest request, IoKind kind, long bytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_scheduler.Gate)
        {
            long now = _scheduler.Time.GetTimestamp();
            if (_queue.Count == 0 && _scheduler.TryGrantNow(this, kind, bytes, now))
            {
                return true;
            }

            if (_queue.Count == 0)
            {
                _scheduler.OnBacklogged(this);
            }

            _queue.Enqueue(new Waiting(request, kind, bytes, now));
            _throttled++;
            _scheduler.Pump(now);
            return false;
        }
    }

    /// <summary>Replaces the limits and weight; waiting requests are re-examined at once. Any thread.</summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    public void Update(DiskLimitOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        lock (_scheduler.Gate)
        {
            long now = _scheduler.Time.GetTimestamp();
            _limits = limits;
            SetBuckets(limits, now);
            _scheduler.Pump(now);
        }
    }

    /// <summary>Releases every waiting request now, without tokens (device reset, shutdown).</summary>
    public void ReleaseAll()
    {
        lock (_scheduler.Gate)
        {
            long now = _scheduler.Time.GetTimestamp();
            while (_queue.Count > 0)
            {
                Dequeue(now);
            }
        }
    }

    /// <summary>Releases what waits and leaves the budget.</summary>
    public void Dispose()
    {
        ReleaseAll();
        _scheduler.Remove(this);
        if (_ownsScheduler)
        {
            _scheduler.Dispose();
        }
    }

    /// <summary>Wakes the scheduler as its timer would (tests on a fake clock call it after moving the clock).</summary>
    internal void Pump()
    {
        lock (_scheduler.Gate)
        {
            _scheduler.Pump(_scheduler.Time.GetTimestamp());
        }
    }

    internal bool TryPeek(out IoKind kind, out long bytes)
    {
        if (_queue.TryPeek(out Waiting head))
        {
            kind = head.Kind;
            bytes = head.Bytes;
            return true;
        }

        kind = default;
        bytes = 0;
        return false;
    }

    internal long TicksUntil(IoKind kind, long bytes, long now)
    {
        long wait = _total?.TicksUntil(bytes, 1, now) ?? 0;
        BucketPair? own = kind == IoKind.Read ? _read : _write;
        return own is null ? wait : Math.Max(wait, own.TicksUntil(bytes, 1, now));
    }

    internal void Take(IoKind kind, long bytes)
    {
        _total?.Take(bytes, 1);
        (kind == IoKind.Read ? _read : _write)?.Take(bytes, 1);
    }

    /// <summary>Lock held: the head was granted (or is released without tokens); hands it on.</summary>
    internal void Dequeue(long now)
    {
        Waiting head = _queue.Dequeue();
        long waited = now - head.Since;
        _throttledTicks += waited;
        _longestTicks = Math.Max(_longestTicks, waited);
        if (_queue.Count == 0)
        {
            _scheduler.OnIdle();
        }

        head.Request.Release();
    }

    private void SetBuckets(DiskLimitOptions limits, long now)
    {
        long perSecond = _scheduler.TicksPerSecond;
        _total = BucketPair.Create(limits.Total, now, perSecond);
        _read = BucketPair.Create(limits.Read, now, perSecond);
        _write = BucketPair.Create(limits.Write, now, perSecond);
        Weight = limits.Weight;
    }

    private readonly record struct Waiting(IThrottledRequest Request, IoKind Kind, long Bytes, long Since);
}
