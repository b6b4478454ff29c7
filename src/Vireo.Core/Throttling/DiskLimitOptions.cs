namespace Vireo.Core.Throttling;

/// <summary>
/// The I/O limits of one disk: buckets for reads and writes together, for reads only and for writes only (each
/// bandwidth and operations; null = no limit), and the disk's weight when it shares a <see cref="DiskBudget"/>.
/// Plain data: a VM specification embeds it; the device takes it at creation and in <c>UpdateLimits</c>.
/// </summary>
/// <param name="Total">Reads and writes together.</param>
/// <param name="Read">Reads only.</param>
/// <param name="Write">Writes (and discard / write-zeroes, as one operation of no bytes) only.</param>
/// <param name="Weight">Share of a contended host budget, <see cref="MinWeight"/> to <see cref="MaxWeight"/>.</param>
public sealed record DiskLimitOptions(
    RateLimitOptions? Total = null, RateLimitOptions? Read = null, RateLimitOptions? Write = null,
    int Weight = DiskLimitOptions.DefaultWeight)
{
    /// <summary>Smallest weight (as cgroup io.weight and libvirt's blkiotune).</summary>
    public const int MinWeight = 1;

    /// <summary>Largest weight.</summary>
    public const int MaxWeight = 10000;

    /// <summary>Weight of a disk that does not set one.</summary>
    public const int DefaultWeight = 100;

    /// <summary>No limits, default weight.</summary>
    public static DiskLimitOptions None { get; } = new();

    /// <summary>True when no bucket limits the disk (a budget may still apply).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsUnlimited => (Total?.IsUnlimited ?? true) && (Read?.IsUnlimited ?? true) && (Write?.IsUnlimited ?? true);

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message when a field is out of range.</summary>
    public void Validate()
    {
        if (Weight is < MinWeight or > MaxWeight)
        {
            throw new ArgumentException($"weight must be {MinWeight} to {MaxWeight} (got {Weight})");
        }

        Total?.Validate();
        Read?.Validate();
        Write?.Validate();
    }
}
