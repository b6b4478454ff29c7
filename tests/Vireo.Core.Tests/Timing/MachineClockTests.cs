using Vireo.Core.Timing;

namespace Vireo.Core.Tests.Timing;

public sealed class MachineClockTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Timestamp { get; set; } = 1_000_000;

        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => Timestamp;
    }

    [Fact]
    public void CountsAtTenMegahertzFromTheInjectedClock()
    {
        var time = new ManualTime();
        var clock = new MachineClock(time);
        Assert.Equal(0UL, clock.Now);

        time.Timestamp += 1_000_000_000; // one host second
        Assert.Equal(10_000_000UL, clock.Now);

        time.Timestamp += 150; // 150 ns is one and a half ticks
        Assert.Equal(10_000_001UL, clock.Now);
    }

    [Fact]
    public void SetMovesTheOriginAndUntilMeasuresFromNow()
    {
        var time = new ManualTime();
        var clock = new MachineClock(time);
        clock.Set(5_000);
        Assert.Equal(5_000UL, clock.Now);

        Assert.Equal(TimeSpan.FromMilliseconds(1), clock.Until(15_000));
        Assert.Equal(TimeSpan.Zero, clock.Until(10));
    }

    [Fact]
    public void PauseFreezesGuestTimeAndResumeContinuesWithoutAJump()
    {
        var time = new ManualTime();
        var clock = new MachineClock(time);
        time.Timestamp += 1_000_000_000;
        clock.Freeze();
        Assert.True(clock.IsFrozen);

        time.Timestamp += 60_000_000_000; // a minute paused
        Assert.Equal(10_000_000UL, clock.Now);

        clock.Thaw();
        Assert.False(clock.IsFrozen);
        Assert.Equal(10_000_000UL, clock.Now);
        time.Timestamp += 100; // one tick after the resume
        Assert.Equal(10_000_001UL, clock.Now);
    }

    [Fact]
    public void SetWhilePausedIsWhereTimeResumes()
    {
        var time = new ManualTime();
        var clock = new MachineClock(time);
        clock.Freeze();
        clock.Set(42);
        Assert.Equal(42UL, clock.Now);
        time.Timestamp += 1_000;
        clock.Thaw();
        Assert.Equal(42UL, clock.Now);
    }
}
