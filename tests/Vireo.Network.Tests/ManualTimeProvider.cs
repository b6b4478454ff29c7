namespace Vireo.Network.Tests;

/// <summary>A clock the test moves by hand (timestamps in ticks of 1 µs).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = 1_000_000;

    public override long TimestampFrequency => 1_000_000;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() =>
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref _ticks) * 10);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, (long)(by.TotalMilliseconds * 1000));
}
