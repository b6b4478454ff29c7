using Vireo.Devices.Test;

namespace Vireo.Devices.Tests.Test;

public sealed class SifiveTestTests
{
    private readonly List<PowerEvent> _events = [];
    private readonly SifiveTest _device;

    public SifiveTestTests()
    {
        _device = new SifiveTest(_events.Add);
    }

    [Fact]
    public void PassResetAndFailAreReportedWithTheirCode()
    {
        _device.Write(0, 4, 0x5555);
        _device.Write(0, 4, 0x7777);
        _device.Write(0, 4, 0x3333 | (42 << 16));
        _device.Write(0, 4, 0xFFFF_3333);
        Assert.Equal(
            [
                new PowerEvent(PowerEventKind.Poweroff, 0),
                new PowerEvent(PowerEventKind.Reset, 0),
                new PowerEvent(PowerEventKind.Fail, 42),
                new PowerEvent(PowerEventKind.Fail, 0xFFFF),
            ],
            _events);
    }

    [Fact]
    public void SixteenBitStoresWorkAsOnQemu()
    {
        _device.Write(0, 2, 0x5555);
        Assert.Equal([new PowerEvent(PowerEventKind.Poweroff, 0)], _events);
    }

    [Theory]
    [InlineData(0UL, 4, 0x1234UL)]
    [InlineData(0UL, 4, 0x5556UL)]
    [InlineData(4UL, 4, 0x5555UL)]
    [InlineData(0UL, 1, 0x55UL)]
    public void OtherWritesAreIgnored(ulong offset, int size, ulong value)
    {
        _device.Write(offset, size, value);
        Assert.Empty(_events);
        Assert.Equal(0UL, _device.Read(offset, size));
    }
}
