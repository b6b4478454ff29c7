using Vireo.Core.Interrupts;
using Vireo.Core.Timing;
using Vireo.Machine.Devices;

namespace Vireo.Machine.Tests.Devices;

public sealed class ClintTests
{
    private readonly ManualTime _time = new();
    private readonly RecordingHartPins[] _harts = RecordingHartPins.Create(3);
    private readonly MachineClock _clock;
    private readonly Clint _clint;

    public ClintTests()
    {
        _clock = new MachineClock(_time);
        _clint = new Clint(_harts, _clock);
    }

    [Fact]
    public void MsipBitZeroDrivesOnlyTheAddressedHart()
    {
        _clint.Write(0x4, 4, 0xFFFF_FFFF);
        Assert.True(_harts[1].IsPending(MipBits.Msip));
        Assert.False(_harts[0].IsPending(MipBits.Msip));
        Assert.False(_harts[2].IsPending(MipBits.Msip));
        Assert.Equal(1UL, _clint.Read(0x4, 4));

        _clint.Write(0x4, 4, 2); // bit 0 clear: the pin drops
        Assert.False(_harts[1].IsPending(MipBits.Msip));
        Assert.Equal(0UL, _clint.Read(0x4, 4));
    }

    [Fact]
    public void MsipBeyondTheLastHartIsIgnored()
    {
        _clint.Write(0xC, 4, 1); // hart 3 does not exist
        Assert.Equal(0UL, _clint.Read(0xC, 4));
        Assert.All(_harts, h => Assert.Empty(h.Calls));
    }

    [Fact]
    public void MtimecmpIsStoredInTheHartAsWholeAndHalves()
    {
        _clint.Write(0x4000 + 8 * 2, 8, 0x1122_3344_5566_7788);
        Assert.Equal(0x1122_3344_5566_7788UL, _harts[2].TimerCompare);
        Assert.Equal(0x1122_3344_5566_7788UL, _clint.Read(0x4010, 8));
        Assert.Equal(0x5566_7788UL, _clint.Read(0x4010, 4));
        Assert.Equal(0x1122_3344UL, _clint.Read(0x4014, 4));

        // The RV32 idiom: high word first, then low word.
        _clint.Write(0x4004, 4, 0xAAAA_BBBB);
        _clint.Write(0x4000, 4, 0xCCCC_DDDD);
        Assert.Equal(0xAAAA_BBBB_CCCC_DDDDUL, _harts[0].TimerCompare);
        Assert.Equal(ulong.MaxValue, _harts[1].TimerCompare);
    }

    [Fact]
    public void MtimeCountsAtTenMegahertzFromTheInjectedClock()
    {
        Assert.Equal(0UL, _clint.Read(0xBFF8, 8));
        _time.Timestamp += 1_000_000; // 1 ms of host time = 10 000 ticks
        Assert.Equal(10_000UL, _clint.Read(0xBFF8, 8));
        Assert.Equal(10_000UL, _clint.Read(0xBFF8, 4));
        Assert.Equal(0UL, _clint.Read(0xBFFC, 4));
    }

    [Fact]
    public void MtimeWritesSetTheMachineClock()
    {
        _clint.Write(0xBFF8, 8, 0x1_0000_0000);
        Assert.Equal(0x1_0000_0000UL, _clock.Now);
        _time.Timestamp += 100; // one tick
        Assert.Equal(0x1_0000_0001UL, _clint.Read(0xBFF8, 8));

        _clint.Write(0xBFFC, 4, 2);
        Assert.Equal(0x2_0000_0001UL, _clock.Now);
    }

    [Fact]
    public void TimerCompareAgainstMtimeGivesTheExpectedDeadline()
    {
        // The guest programs "now + 1 ms"; the hart would compare TimerCompare with the clock.
        ulong now = _clint.Read(0xBFF8, 8);
        _clint.Write(0x4008, 8, now + 10_000);
        Assert.Equal(TimeSpan.FromMilliseconds(1), _clock.Until(_harts[1].TimerCompare));
        _time.Timestamp += 1_000_000;
        Assert.True(_clock.Now >= _harts[1].TimerCompare);
    }

    [Theory]
    [InlineData(0x4002UL, 4)]
    [InlineData(0x4004UL, 8)]
    [InlineData(0x1UL, 2)]
    [InlineData(0x0UL, 3)]
    public void MisalignedAccessesReadZeroAndWriteNothing(ulong offset, int size)
    {
        _clint.Write(offset, size, ulong.MaxValue);
        Assert.Equal(0UL, _clint.Read(offset, size));
        Assert.Equal(ulong.MaxValue, _harts[0].TimerCompare);
        Assert.Empty(_harts[0].Calls);
    }

    [Fact]
    public void UnmappedOffsetsReadZero()
    {
        Assert.Equal(0UL, _clint.Read(0x3000, 4));
        Assert.Equal(0UL, _clint.Read(0x4000 + 8 * 3, 8));
        _clint.Write(0x4000 + 8 * 3, 8, 5);
        Assert.Equal(0UL, _clint.Read(0x4000 + 8 * 3, 8));
    }
}
