namespace Vireo.Core.Throttling;

/// <summary>
/// One token bucket, in Firecracker's model: it holds up to <see cref="Size"/> tokens (bytes or operations), refills
/// from empty to full in <see cref="RefillTime"/> (so the sustained rate is Size / RefillTime), starts full, and has
/// an extra <see cref="OneTimeBurst"/> spent before the bucket and never refilled.
/// </summary>
/// <param name="Size">Tokens the bucket holds when full; at least 1.</param>
/// <param name="OneTimeBurst">Extra tokens available once, at the start (0 for none).</param>
/// <param name="RefillTime">Time to refill an empty bucket; more than zero.</param>
public sealed record TokenBucketOptions(long Size, long OneTimeBurst, TimeSpan RefillTime)
{
    /// <summary>
    /// A bucket that sustains <paramref name="perSecond"/> tokens per second with 100 ms worth of depth (so a lone
    /// request is not delayed, and an idle period does not turn into a large burst), plus <paramref name="burst"/>.
    /// </summary>
    public static TokenBucketOptions PerSecond(long perSecond, long burst = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(burst);
        long size = Math.Max(1, perSecond / 10);
        return new TokenBucketOptions(size, burst, TimeSpan.FromTicks(TimeSpan.TicksPerSecond * size / perSecond));
    }

    /// <summary>Sustained rate in tokens per second.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double RatePerSecond => Size / RefillTime.TotalSeconds;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message when a field is out of range.</summary>
    public void Validate()
    {
        if (Size < 1 || OneTimeBurst < 0 || RefillTime <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"a token bucket needs size >= 1, one-time burst >= 0 and a refill time > 0 (got {Size}, {OneTimeBurst}, {RefillTime})");
        }
    }
}
