namespace Vireo.Core.Throttling;

/// <summary>
/// The state of one token bucket (<see cref="TokenBucketOptions"/>) on a timestamp clock. Not thread-safe: its owner
/// locks. A take may be larger than the bucket: it is allowed once the bucket holds at least its size (or is full),
/// and leaves the bucket in debt, so the long-run rate is exact whatever the request sizes.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _capacity;
    private readonly double _perTick;
    private double _tokens;
    private double _burst;
    private long _last;

    /// <summary>A full bucket (plus its one-time burst) at <paramref name="now"/>.</summary>
    public TokenBucket(TokenBucketOptions options, long now, long ticksPerSecond)
    {
        options.Validate();
        _capacity = options.Size;
        _perTick = options.Size / (options.RefillTime.TotalSeconds * ticksPerSecond);
        _tokens = options.Size;
        _burst = options.OneTimeBurst;
        _last = now;
    }

    /// <summary>Tokens in the bucket now, without the burst (negative while in debt).</summary>
    public double Tokens => _tokens;

    /// <summary>What is left of the one-time burst.</summary>
    public double Burst => _burst;

    /// <summary>Adds the tokens earned since the last call, up to the bucket's size.</summary>
    public void Refill(long now)
    {
        long elapsed = now - _last;
        if (elapsed <= 0)
        {
            return;
        }

        _last = now;
        _tokens = Math.Min(_capacity, _tokens + (elapsed * _perTick));
    }

    /// <summary>Clock ticks until <paramref name="amount"/> may be taken (0: now). Call <see cref="Refill"/> first.</summary>
    public long TicksUntil(long amount)
    {
        if (amount <= _burst)
        {
            return 0;
        }

        double needed = Math.Min(amount - _burst, _capacity) - _tokens;
        return needed <= 0 ? 0 : (long)Math.Ceiling(needed / _perTick);
    }

    /// <summary>Takes <paramref name="amount"/>: the burst first, the rest from the bucket (which may go into debt).</summary>
    public void Take(long amount)
    {
        double fromBurst = Math.Min(_burst, amount);
        _burst -= fromBurst;
        _tokens -= amount - fromBurst;
    }
}
