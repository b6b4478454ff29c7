namespace Vireo.Core.Throttling;

/// <summary>
/// Grants tokens to the waiting requests of a set of <see cref="IoThrottle"/>s, each limited by its own buckets, all
/// by an optional shared budget. When the shared budget is short, the disks share it by weight with start-time fair
/// queueing: each disk carries a virtual tag that a grant moves on by the request's cost (seconds of the budget) over
/// the disk's weight, and the eligible disk with the smallest tag goes next; a disk that becomes busy starts at the
/// current virtual time, so idling earns no credit. A disk alone gets the whole budget (work-conserving). One lock
/// guards everything; a timer on the injected clock wakes the scheduler when the first waiting request can go.
/// </summary>
internal sealed class IoScheduler : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<IoThrottle> _clients = [];
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private BucketPair? _shared;
    private double _virtualTime;
    private int _backlogged;
    private bool _disposed;

    public IoScheduler(RateLimitOptions? shared, TimeProvider time)
    {
        _time = time;
        _shared = BucketPair.Create(shared, time.GetTimestamp(), time.TimestampFrequency);
        _timer = time.CreateTimer(static state => ((IoScheduler)state!).OnTimer(), this, Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
    }

    public TimeProvider Time => _time;

    public Lock Gate => _lock;

    public long TicksPerSecond => _time.TimestampFrequency;

    public RateLimitOptions? SharedLimits
    {
        get
        {
            lock (_lock)
            {
                return _shared?.Options;
            }
        }
    }

    public void Add(IoThrottle client)
    {
        lock (_lock)
        {
            _clients.Add(client);
        }
    }

    public void Remove(IoThrottle client)
    {
        lock (_lock)
        {
            _clients.Remove(client);
            Pump(_time.GetTimestamp());
        }
    }

    public void UpdateShared(RateLimitOptions? shared)
    {
        shared?.Validate();
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            _shared = BucketPair.Create(shared, now, _time.TimestampFrequency);
            Pump(now);
        }
    }

    /// <summary>
    /// Lock held. Tries to grant <paramref name="client"/>'s new request at once: only when nothing else waits
    /// anywhere (so no one is overtaken) and every bucket has the tokens.
    /// </summary>
    public bool TryGrantNow(IoThrottle client, IoKind kind, long bytes, long now)
    {
        if (_backlogged != 0 || client.TicksUntil(kind, bytes, now) > 0 ||
            (_shared is not null && _shared.TicksUntil(bytes, 1, now) > 0))
        {
            return false;
        }

        Charge(client, kind, bytes);
        return true;
    }

    /// <summary>Lock held. A client's queue went from empty to not empty.</summary>
    public void OnBacklogged(IoThrottle client)
    {
        _backlogged++;
        client.Tag = Math.Max(client.Tag, _virtualTime);
    }

    /// <summary>Lock held. A client's queue became empty (granted or dropped).</summary>
    public void OnIdle() => _backlogged--;

    /// <summary>Lock held. Grants every request that can go now, in fair order, and arms the timer for the next.</summary>
    public void Pump(long now)
    {
        if (_disposed)
        {
            return;
        }

        long wait = long.MaxValue;
        while (_backlogged > 0)
        {
            IoThrottle? best = null;
            foreach (IoThrottle client in _clients)
            {
                if (!client.TryPeek(out IoKind kind, out long bytes))
                {
                    continue;
                }

                long ticks = client.TicksUntil(kind, bytes, now);
                if (ticks > 0)
                {
                    // Held back by its own limits: it does not bank the share it cannot use meanwhile.
                    client.Tag = Math.Max(client.Tag, _virtualTime);
                    wait = Math.Min(wait, ticks);
                    continue;
                }

                if (best is null || client.Tag < best.Tag)
                {
                    best = client;
                }
            }

            if (best is null)
            {
                break;
            }

            best.TryPeek(out IoKind bestKind, out long bestBytes);
            if (_shared is not null)
            {
                long ticks = _shared.TicksUntil(bestBytes, 1, now);
                if (ticks > 0)
                {
                    wait = Math.Min(wait, ticks);
                    break;
                }
            }

            Charge(best, bestKind, bestBytes);
            best.Dequeue(now);
        }

        if (wait != long.MaxValue)
        {
            // At least a millisecond: timers are not finer, and sooner would only find the same tokens missing.
            double seconds = Math.Max((double)wait / _time.TimestampFrequency, 0.001);
            _timer.Change(TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    private void Charge(IoThrottle client, IoKind kind, long bytes)
    {
        client.Take(kind, bytes);
        if (_shared is not null)
        {
            _shared.Take(bytes, 1);
            _virtualTime = client.Tag;
            client.Tag += _shared.Seconds(bytes, 1) / client.Weight;
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            Pump(_time.GetTimestamp());
        }
    }
}
