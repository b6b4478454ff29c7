namespace Vireo.Core.Throttling;

/// <summary>
/// A thread-safe bandwidth + operations limiter (<see cref="RateLimitOptions"/>) on an injectable clock, for one
/// direction of a network card and similar single-stream uses. Allocation-free.
/// </summary>
public sealed class RateLimiter
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private BucketPair? _buckets;

    /// <summary>Creates a limiter; null or unlimited options let everything through.</summary>
    public RateLimiter(RateLimitOptions? options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Update(options);
    }

    /// <summary>The limits in force.</summary>
    public RateLimitOptions? Options => _buckets?.Options;

    /// <summary>The clock the limiter runs on.</summary>
    public TimeProvider Time => _time;

    /// <summary>
    /// Takes <paramref name="bytes"/> and <paramref name="ops"/> when both buckets allow it, and returns true; else
    /// takes nothing and returns false with the time until they will.
    /// </summary>
    public bool TryTake(long bytes, long ops, out TimeSpan wait)
    {
        lock (_lock)
        {
            BucketPair? buckets = _buckets;
            if (buckets is null)
            {
                wait = TimeSpan.Zero;
                return true;
            }

            long now = _time.GetTimestamp();
            long ticks = buckets.TicksUntil(bytes, ops, now);
            if (ticks > 0)
            {
                wait = TimeSpan.FromSeconds((double)ticks / _time.TimestampFrequency);
                return false;
            }

            buckets.Take(bytes, ops);
            wait = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>Replaces the limits (new buckets start full, as Firecracker's do on update). Any thread.</summary>
    public void Update(RateLimitOptions? options)
    {
        options?.Validate();
        lock (_lock)
        {
            _buckets = BucketPair.Create(options, _time.GetTimestamp(), _time.TimestampFrequency);
        }
    }
}
