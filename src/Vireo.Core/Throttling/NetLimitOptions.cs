namespace Vireo.Core.Throttling;

/// <summary>
/// The limits of one network card, each way: bytes and packets per second from the guest (transmit) and to the guest
/// (receive); null = no limit. Plain data a VM specification embeds.
/// </summary>
/// <param name="Transmit">Frames the guest sends.</param>
/// <param name="Receive">Frames delivered to the guest.</param>
public sealed record NetLimitOptions(RateLimitOptions? Transmit = null, RateLimitOptions? Receive = null)
{
    /// <summary>No limits.</summary>
    public static NetLimitOptions None { get; } = new();

    /// <summary>True when neither direction is limited.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsUnlimited => (Transmit?.IsUnlimited ?? true) && (Receive?.IsUnlimited ?? true);

    /// <summary>Throws <see cref="ArgumentException"/> when a bucket is out of range.</summary>
    public void Validate()
    {
        Transmit?.Validate();
        Receive?.Validate();
    }
}
