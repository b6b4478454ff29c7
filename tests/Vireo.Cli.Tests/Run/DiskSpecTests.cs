using Vireo.Cli.Run;
using Vireo.Storage;

namespace Vireo.Cli.Tests.Run;

public sealed class DiskSpecTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void DefaultsAreProbedFormatReadWriteAndWritebackCache()
    {
        DiskSpec spec = DiskSpec.Parse(_file);
        Assert.Equal(new DiskSpec(_file, null, null, DiskCacheMode.Writeback), spec);
    }

    [Theory]
    [InlineData("cache=writeback", DiskCacheMode.Writeback)]
    [InlineData("cache=none", DiskCacheMode.None)]
    [InlineData("cache=unsafe", DiskCacheMode.Unsafe)]
    public void CacheModesParse(string option, DiskCacheMode expected)
    {
        DiskSpec spec = DiskSpec.Parse($"{_file},format=qcow2,{option},readonly=on");
        Assert.Equal(expected, spec.Cache);
        Assert.Equal(DiskFormat.Qcow2, spec.Format);
        Assert.True(spec.ReadOnly);
    }

    [Theory]
    [InlineData("cache=directsync")]
    [InlineData("cache=")]
    [InlineData("cache")]
    [InlineData("cache=None")]
    [InlineData("format=vmdk")]
    [InlineData("readonly=yes")]
    [InlineData("bogus=1")]
    public void BadOptionsGiveOneLineNamingTheOptionAndTheChoices(string option)
    {
        var error = Assert.Throws<UserErrorException>(() => DiskSpec.Parse($"{_file},{option}"));
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains($"unknown option '{option}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("cache=writeback|none|unsafe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFilesAndEmptyPathsAreRefused()
    {
        Assert.Contains("no such file", Assert.Throws<UserErrorException>(() => DiskSpec.Parse(_file + ".missing,cache=none")).Message, StringComparison.Ordinal);
        Assert.Contains("a file path is required", Assert.Throws<UserErrorException>(() => DiskSpec.Parse(",cache=none")).Message, StringComparison.Ordinal);
    }
}
