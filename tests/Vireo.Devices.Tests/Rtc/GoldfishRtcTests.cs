using Vireo.Devices.Rtc;

namespace Vireo.Devices.Tests.Rtc;

public sealed class GoldfishRtcTests : IDisposable
{
    private const ulong TimeLow = 0x00;
    private const ulong TimeHigh = 0x04;
    private const ulong AlarmLow = 0x08;
    private const ulong AlarmHigh = 0x0C;
    private const ulong IrqEnabled = 0x10;
    private const ulong ClearAlarm = 0x14;
    private const ulong AlarmStatus = 0x18;
    private const ulong ClearInterrupt = 0x1C;

    // 2024-01-02T03:04:05Z; the tests work in nanoseconds since the epoch.
    private static readonly DateTimeOffset s_start = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly ulong s_startNs = (ulong)(s_start - DateTimeOffset.UnixEpoch).Ticks * 100;

    private readonly ManualTimeProvider _time = new(s_start);
    private readonly RecordingLine _line = new();
    private readonly GoldfishRtc _rtc;

    public GoldfishRtcTests()
    {
        _rtc = new GoldfishRtc(_line, _time);
    }

    public void Dispose() => _rtc.Dispose();

    private ulong ReadTime()
    {
        ulong low = _rtc.Read(TimeLow, 4);
        return low | (_rtc.Read(TimeHigh, 4) << 32);
    }

    private void SetAlarm(ulong ns)
    {
        _rtc.Write(AlarmHigh, 4, ns >> 32);
        _rtc.Write(AlarmLow, 4, ns & 0xFFFF_FFFF);
    }

    [Fact]
    public void TimeIsNanosecondsSinceTheEpochFromTheInjectedClock()
    {
        Assert.Equal(s_startNs, ReadTime());
        _time.Advance(TimeSpan.FromMilliseconds(1.5));
        Assert.Equal(s_startNs + 1_500_000, ReadTime());
    }

    [Fact]
    public void ReadingTimeLowLatchesTimeHigh()
    {
        _rtc.Read(TimeLow, 4);
        ulong high = _rtc.Read(TimeHigh, 4);
        _time.Advance(TimeSpan.FromDays(400)); // far enough to change the high word
        Assert.Equal(high, _rtc.Read(TimeHigh, 4));
        _rtc.Read(TimeLow, 4);
        Assert.NotEqual(high, _rtc.Read(TimeHigh, 4));
    }

    [Fact]
    public void GuestTimeWritesMoveAnOffsetThatKeepsTicking()
    {
        ulong target = 0x0000_0123_4567_89ABUL;
        _rtc.Write(TimeHigh, 4, target >> 32);
        _rtc.Write(TimeLow, 4, target & 0xFFFF_FFFF);
        Assert.Equal(target, ReadTime());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(target + 1_000_000_000, ReadTime());
    }

    [Fact]
    public void AlarmFiresAtItsTimeAndRaisesTheLineWhenEnabled()
    {
        _rtc.Write(IrqEnabled, 4, 1);
        SetAlarm(s_startNs + 2_000_000_000);
        Assert.Equal(1UL, _rtc.Read(AlarmStatus, 4));
        Assert.Equal((s_startNs + 2_000_000_000) & 0xFFFF_FFFF, _rtc.Read(AlarmLow, 4));
        Assert.Equal((s_startNs + 2_000_000_000) >> 32, _rtc.Read(AlarmHigh, 4));

        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(_line.Level);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_line.Level);
        Assert.Equal(0UL, _rtc.Read(AlarmStatus, 4));

        _rtc.Write(ClearInterrupt, 4, 1);
        Assert.False(_line.Level);
    }

    [Fact]
    public void AnAlarmInThePastFiresImmediately()
    {
        _rtc.Write(IrqEnabled, 4, 1);
        SetAlarm(s_startNs - 1);
        Assert.True(_line.Level);
        Assert.Equal(0UL, _rtc.Read(AlarmStatus, 4));
    }

    [Fact]
    public void InterruptIsMaskedByIrqEnabledButStaysPending()
    {
        SetAlarm(s_startNs + 1000);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_line.Level);
        _rtc.Write(IrqEnabled, 4, 1);
        Assert.Equal(1UL, _rtc.Read(IrqEnabled, 4));
        Assert.True(_line.Level);
    }

    [Fact]
    public void ClearAlarmCancelsAPendingAlarm()
    {
        _rtc.Write(IrqEnabled, 4, 1);
        SetAlarm(s_startNs + 5_000);
        _rtc.Write(ClearAlarm, 4, 1);
        Assert.Equal(0UL, _rtc.Read(AlarmStatus, 4));
        Assert.Equal(0, _time.ActiveTimers);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(_line.Level);
    }

    [Fact]
    public void MovingGuestTimeForwardPastTheAlarmFiresIt()
    {
        _rtc.Write(IrqEnabled, 4, 1);
        SetAlarm(s_startNs + 3_600_000_000_000); // an hour away
        ulong later = s_startNs + 7_200_000_000_000;
        _rtc.Write(TimeHigh, 4, later >> 32);
        _rtc.Write(TimeLow, 4, later & 0xFFFF_FFFF);
        Assert.True(_line.Level);
    }

    [Fact]
    public void UnknownRegistersReadZero()
    {
        _rtc.Write(0x20, 4, 0xFFFF_FFFF);
        Assert.Equal(0UL, _rtc.Read(0x20, 4));
        Assert.Equal(0UL, _rtc.Read(ClearInterrupt, 4));
    }
}
