namespace Vireo.Core.Throttling;

/// <summary>A bandwidth bucket (bytes) and an operations bucket (requests or packets); either may be null (no limit).</summary>
/// <param name="Bandwidth">Bytes.</param>
/// <param name="Operations">Requests (disk) or packets (network).</param>
public sealed record RateLimitOptions(TokenBucketOptions? Bandwidth, TokenBucketOptions? Operations)
{
    /// <summary>True when neither bucket limits anything.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsUnlimited => Bandwidth is null && Operations is null;

    /// <summary>
    /// Limits of <paramref name="bytesPerSecond"/> and <paramref name="operationsPerSecond"/> (0 = no limit) with a
    /// one-time burst of <paramref name="burstBytes"/> on the bandwidth bucket; null when both are 0.
    /// </summary>
    public static RateLimitOptions? PerSecond(long bytesPerSecond, long operationsPerSecond, long burstBytes = 0)
    {
        if (bytesPerSecond <= 0 && operationsPerSecond <= 0)
        {
            return null;
        }

        return new RateLimitOptions(
            bytesPerSecond > 0 ? TokenBucketOptions.PerSecond(bytesPerSecond, burstBytes) : null,
            operationsPerSecond > 0 ? TokenBucketOptions.PerSecond(operationsPerSecond) : null);
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a bucket is out of range.</summary>
    public void Validate()
    {
        Bandwidth?.Validate();
        Operations?.Validate();
    }
}
