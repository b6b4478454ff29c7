using Vireo.Cli.Options;

namespace Vireo.Cli.Tests.Options;

public sealed class SizeParserTests
{
    [Theory]
    [InlineData("65536", 65536UL)]
    [InlineData("1024K", 1UL << 20)]
    [InlineData("256M", 256UL << 20)]
    [InlineData("256m", 256UL << 20)]
    [InlineData("512MiB", 512UL << 20)]
    [InlineData("4G", 4UL << 30)]
    [InlineData("4GB", 4UL << 30)]
    [InlineData("1T", 1UL << 40)]
    [InlineData(" 16M ", 16UL << 20)]
    [InlineData("0x88000000", 0x8800_0000UL)]
    [InlineData("100B", 100UL)]
    [InlineData("1.5G", 3UL << 29)]
    [InlineData("0.5k", 512UL)]
    [InlineData("2.25M", 9UL << 18)]
    [InlineData("1P", 1UL << 50)]
    [InlineData("64PiB", 1UL << 56)]
    [InlineData("0x100000", 1UL << 20)]
    [InlineData("0X10", 16UL)]
    [InlineData("0", 0UL)]
    [InlineData("1KB", 1024UL)]
    public void ParsesBinarySizesAndHex(string text, ulong expected)
    {
        Assert.True(SizeParser.TryParse(text, out ulong value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("-1")]
    [InlineData("12Q")]
    [InlineData("1.3K")]
    [InlineData("0.1")]
    [InlineData("1.")]
    [InlineData(".5G")]
    [InlineData("1.5.1G")]
    [InlineData("0x")]
    [InlineData("0x10M")]
    [InlineData("16384P")]
    [InlineData("1E")]
    [InlineData("4GG")]
    [InlineData("0xZZ")]
    [InlineData("99999999999999999999")]
    [InlineData("20000000T")]
    [InlineData(null)]
    public void RejectsJunk(string? text)
    {
        Assert.False(SizeParser.TryParse(text, out _));
        UserErrorException error = Assert.Throws<UserErrorException>(() => SizeParser.Parse(text, "--memory"));
        Assert.StartsWith("--memory:", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"is not a size ({SizeParser.Grammar}).", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8M")]
    [InlineData("65G")]
    [InlineData("16777217")]
    public void MemoryOutsideTheMachineRangeIsRejected(string text)
    {
        Assert.Throws<UserErrorException>(() => MachineLimits.ParseMemory(text));
    }

    [Fact]
    public void MemoryRangeBoundsAreAccepted()
    {
        Assert.Equal(16UL << 20, MachineLimits.ParseMemory("16M"));
        Assert.Equal(64UL << 30, MachineLimits.ParseMemory("64G"));
        Assert.Equal(8, MachineLimits.CheckCpus(8));
        Assert.Throws<UserErrorException>(() => MachineLimits.CheckCpus(0));
        Assert.Throws<UserErrorException>(() => MachineLimits.CheckCpus(65));
    }
}
