using Vireo.Core.Memory;

namespace Vireo.Core.Tests.Memory;

public sealed unsafe class GuestRamTests
{
    private const ulong Base = 0x8000_0000;

    [Fact]
    public void NewRamReadsZeroAndKeepsWrites()
    {
        using var ram = new GuestRam(Base, 1 << 20);
        Span<byte> buffer = stackalloc byte[4];
        Assert.True(ram.TryRead(Base + 100, buffer));
        Assert.Equal(0u, BitConverter.ToUInt32(buffer));

        Assert.True(ram.TryWrite(Base + 100, [1, 2, 3, 4]));
        Assert.True(ram.TryRead(Base + 100, buffer));
        Assert.Equal([1, 2, 3, 4], buffer.ToArray());
    }

    [Theory]
    [InlineData(Base - 1, 1)]
    [InlineData(Base + (1 << 20) - 2, 4)]
    [InlineData(Base + (1 << 20), 1)]
    [InlineData(0UL, 4)]
    [InlineData(ulong.MaxValue, 2)]
    public void AccessOutsideRamIsRefusedWithoutTouchingMemory(ulong address, int length)
    {
        using var ram = new GuestRam(Base, 1 << 20);
        Assert.False(ram.TryWrite(address, new byte[length]));
        Assert.False(ram.TryRead(address, new byte[length]));
        Assert.True(ram.TryGetPointer(address, (ulong)length) == null);
    }

    [Fact]
    public void WriteToFlaggedCodePageBumpsItsGeneration()
    {
        using var ram = new GuestRam(Base, 1 << 20);
        ram.CodePageFlags[3] = 1;
        uint before = ram.CodeGenerations[3];

        Assert.True(ram.TryWrite(Base + (3 * GuestRam.PageSize) + 8, [0x13, 0, 0, 0]));

        Assert.Equal(before + 1, ram.CodeGenerations[3]);
        Assert.Equal(0, ram.CodePageFlags[3]);
        Assert.Equal(0u, ram.CodeGenerations[2]);
    }

    [Fact]
    public void DiscardZeroesPartialAndWholePages()
    {
        using var ram = new GuestRam(Base, 1 << 20);
        byte[] ones = Enumerable.Repeat((byte)0xff, 3 * 4096).ToArray();
        Assert.True(ram.TryWrite(Base, ones));

        ram.Discard(Base + 100, (2 * 4096) + 10);

        byte[] back = new byte[ones.Length];
        Assert.True(ram.TryRead(Base, back));
        Assert.All(back[..100], b => Assert.Equal(0xff, b));
        Assert.All(back[100..(100 + (2 * 4096) + 10)], b => Assert.Equal(0, b));
        Assert.All(back[(110 + (2 * 4096))..], b => Assert.Equal(0xff, b));
    }

    [Fact]
    public void LargeRamCostsNothingUntilTouched()
    {
        // 16 GiB of guest RAM must map instantly without committing host memory.
        using var ram = new GuestRam(Base, 16UL << 30);
        Assert.Equal(16UL << 30, ram.Size);
        ram.Pointer[(16L << 30) - 1] = 7;
        Assert.Equal(7, ram.Pointer[(16L << 30) - 1]);
    }
}
