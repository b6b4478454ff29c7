namespace Vireo.Machine.Tests.Devices;

/// <summary>A host clock the test moves by hand (1 ns resolution).</summary>
internal sealed class ManualTime : TimeProvider
{
    public long Timestamp { get; set; } = 5_000_000;

    public override long TimestampFrequency => 1_000_000_000;

    public override long GetTimestamp() => Timestamp;
}
