namespace Vireo.Cpu.Tests.Support;

/// <summary>A clock that only moves when the test says so.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _timestamp;

    public override long TimestampFrequency => 10_000_000;

    public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

    /// <summary>Advances the clock by <paramref name="ticks"/> guest timebase ticks (10 MHz).</summary>
    public void Advance(long ticks) => Interlocked.Add(ref _timestamp, ticks);
}
