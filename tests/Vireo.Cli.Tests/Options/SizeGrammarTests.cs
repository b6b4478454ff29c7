using Vireo.Cli.Options;
using Vireo.Cli.Tests.Disk;

namespace Vireo.Cli.Tests.Options;

/// <summary>Issue 19, item 14: <c>--memory</c> and <c>disk create --size</c> accept the same forms and fail with the same message.</summary>
public sealed class SizeGrammarTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-size-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("1.5G", 3UL << 29)]
    [InlineData("0x10000000", 1UL << 28)]
    [InlineData("256M", 256UL << 20)]
    [InlineData("268435456", 1UL << 28)]
    [InlineData("0.25G", 1UL << 28)]
    public void MemoryAndDiskSizeAcceptTheSameForms(string text, ulong bytes)
    {
        Assert.Equal(bytes, MachineLimits.ParseMemory(text));
        string image = Path.Combine(_dir, "m.raw");
        (int code, _, string error) = DiskCli.Run("disk", "create", "--format", "raw", "--size", text, image);
        Assert.True(code == 0, error);
        Assert.Equal((long)bytes, new FileInfo(image).Length);
    }

    [Fact]
    public void DiskSizeAcceptsPetabytes()
    {
        string image = Path.Combine(_dir, "p.qcow2");
        (int code, string output, string error) = DiskCli.Run("disk", "create", "--size", "1P", image);
        Assert.True(code == 0, error);
        Assert.Contains("(1125899906842624 bytes)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.3K")]
    [InlineData("12Q")]
    [InlineData("0x")]
    public void BadSizesGiveTheSameMessageForBothOptions(string text)
    {
        UserErrorException memory = Assert.Throws<UserErrorException>(() => MachineLimits.ParseMemory(text));
        (int code, _, string disk) = DiskCli.Run("disk", "create", "--size", text, Path.Combine(_dir, "x.qcow2"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal(memory.Message.Replace("--memory", "--size", StringComparison.Ordinal), disk);
    }
}
