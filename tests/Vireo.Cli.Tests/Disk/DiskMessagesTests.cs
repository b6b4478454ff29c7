namespace Vireo.Cli.Tests.Disk;

/// <summary>Issue 19, item 13: the disk commands' messages name the real problem, in one line, with no .NET text.</summary>
public sealed class DiskMessagesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-disk-msg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("qcow2", "64P")]
    [InlineData("qcow2", "65P")]
    [InlineData("raw", "64P")]
    public void HugeSizesSayWhyWithoutDotNetText(string format, string size)
    {
        (int code, _, string error) = DiskCli.Run("disk", "create", "--format", format, "--size", size, P("huge.img"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.DoesNotContain("Parameter", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.TrimEnd());
        Assert.Contains("bytes", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void CreateIntoAMissingDirectoryNamesTheDirectoryNotATemporaryFile()
    {
        string missing = P("no/such/dir");
        (int code, _, string error) = DiskCli.Run("disk", "create", "--size", "1M", Path.Combine(missing, "x.qcow2"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"directory '{missing}' does not exist", error, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("info")]
    [InlineData("check")]
    public void DirectorySaysIsADirectory(string command)
    {
        (int code, _, string error) = DiskCli.Run("disk", command, _dir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("is a directory", error, StringComparison.Ordinal);
    }

    private string P(string name) => Path.Combine(_dir, name);
}
