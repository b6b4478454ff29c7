namespace Vireo.Core.Throttling;

/// <summary>A bandwidth and an operations <see cref="TokenBucket"/> taken together (either may be absent). Not thread-safe.</summary>
internal sealed class BucketPair
{
    private readonly TokenBucket? _bytes;
    private readonly TokenBucket? _ops;

    public BucketPair(RateLimitOptions options, long now, long ticksPerSecond)
    {
        Options = options;
        _bytes = options.Bandwidth is null ? null : new TokenBucket(options.Bandwidth, now, ticksPerSecond);
        _ops = options.Operations is null ? null : new TokenBucket(options.Operations, now, ticksPerSecond);
    }

    public RateLimitOptions Options { get; }

    /// <summary>A bucket pair for <paramref name="options"/>, or null when they limit nothing.</summary>
    public static BucketPair? Create(RateLimitOptions? options, long now, long ticksPerSecond) =>
        options is null || options.IsUnlimited ? null : new BucketPair(options, now, ticksPerSecond);

    /// <summary>Clock ticks until <paramref name="bytes"/> and <paramref name="ops"/> can both be taken (0: now).</summary>
    public long TicksUntil(long bytes, long ops, long now)
    {
        long wait = 0;
        if (_bytes is not null)
        {
            _bytes.Refill(now);
            wait = _bytes.TicksUntil(bytes);
        }

        if (_ops is not null && ops > 0)
        {
            _ops.Refill(now);
            wait = Math.Max(wait, _ops.TicksUntil(ops));
        }

        return wait;
    }

    public void Take(long bytes, long ops)
    {
        _bytes?.Take(bytes);
        if (ops > 0)
        {
            _ops?.Take(ops);
        }
    }

    /// <summary>
    /// The request's share of the pair's capacity, in seconds of it (the larger of its bytes and its operation), the
    /// cost a weighted scheduler charges; 0 when nothing limits.
    /// </summary>
    public double Seconds(long bytes, long ops)
    {
        double seconds = 0;
        if (Options.Bandwidth is { } bandwidth)
        {
            seconds = bytes / bandwidth.RatePerSecond;
        }

        if (Options.Operations is { } operations)
        {
            seconds = Math.Max(seconds, ops / operations.RatePerSecond);
        }

        return seconds;
    }
}
