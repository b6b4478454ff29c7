using Vireo.Core.Bus;
using Vireo.Core.Memory;

namespace Vireo.Core.Tests.Bus;

public sealed class PhysicalBusTests
{
    private sealed class Scratch(ulong size) : IMmioDevice
    {
        public List<(ulong Offset, int Size, ulong Value)> Writes { get; } = [];

        public string Name => "scratch";

        public ulong Size => size;

        public ulong Read(ulong offset, int size) => offset * 10;

        public void Write(ulong offset, int size, ulong value) => Writes.Add((offset, size, value));
    }

    [Fact]
    public void RoutesAccessesToTheDeviceWithWindowOffsets()
    {
        using var ram = new GuestRam(0x8000_0000, 1 << 16);
        var bus = new PhysicalBus(ram);
        var a = new Scratch(0x100);
        var b = new Scratch(0x1000);
        bus.Map(0x1000_0000, b);
        bus.Map(0x0200_0000, a);

        Assert.True(bus.TryRead(0x0200_0010, 4, out ulong value));
        Assert.Equal(0xA0UL, value);
        Assert.True(bus.TryWrite(0x1000_0ff8, 8, 42));
        Assert.Equal((0xff8UL, 8, 42UL), b.Writes.Single());
    }

    [Theory]
    [InlineData(0x0200_0100UL, 1)]
    [InlineData(0x0200_00fcUL, 8)]
    [InlineData(0x0UL, 4)]
    [InlineData(ulong.MaxValue, 1)]
    public void UnmappedOrStraddlingAccessIsRefused(ulong address, int size)
    {
        using var ram = new GuestRam(0x8000_0000, 1 << 16);
        var bus = new PhysicalBus(ram);
        bus.Map(0x0200_0000, new Scratch(0x100));

        Assert.False(bus.TryRead(address, size, out _));
        Assert.False(bus.TryWrite(address, size, 1));
    }

    [Fact]
    public void OverlappingMapsAreRejected()
    {
        using var ram = new GuestRam(0x8000_0000, 1 << 16);
        var bus = new PhysicalBus(ram);
        bus.Map(0x1000, new Scratch(0x1000));
        Assert.Throws<ArgumentException>(() => bus.Map(0x1800, new Scratch(0x1000)));
        Assert.Throws<ArgumentException>(() => bus.Map(0x8000_8000, new Scratch(0x10)));
    }
}
