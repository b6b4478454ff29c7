using Vireo.Cli.Disk;
using Vireo.Cli.Run;

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

    [Fact]
    public void InfoOfASizeThatIsNotAMultipleOf512WarnsAboutTheHiddenTail()
    {
        File.WriteAllBytes(P("odd.img"), new byte[1000]);
        (int code, string output, string error) = DiskCli.Run("disk", "info", P("odd.img"));
        Assert.Equal(0, code);
        Assert.Contains("virtual size:   512 B", output, StringComparison.Ordinal);
        Assert.Contains("warning", error, StringComparison.Ordinal);
        Assert.Contains("last 488 bytes are not visible to the guest", error, StringComparison.Ordinal);

        File.WriteAllBytes(P("even.img"), new byte[1024]);
        Assert.Equal(string.Empty, DiskCli.Run("disk", "info", P("even.img")).Error);
    }

    [Theory]
    [InlineData(0x51, 0x46, 0x49, 0xFA)]
    [InlineData(0x51, 0x46, 0x48, 0xFB)]
    [InlineData(0x50, 0x46, 0x49, 0xFB)]
    public void DamagedQcow2MagicAttachedAsRawWarns(byte b0, byte b1, byte b2, byte b3)
    {
        byte[] image = new byte[65536];
        image[0] = b0;
        image[1] = b1;
        image[2] = b2;
        image[3] = b3;
        File.WriteAllBytes(P("damaged.img"), image);
        var warnings = new StringWriter();
        using (Vireo.Storage.IBlockDevice disk = DiskOpener.Open(DiskSpec.Parse(P("damaged.img")), warnings))
        {
            Assert.False(disk.IsReadOnly);
        }

        Assert.Contains("damaged header", warnings.ToString(), StringComparison.Ordinal);

        // An explicit format=raw says the user knows; random raw data does not warn either.
        warnings = new StringWriter();
        DiskOpener.Open(DiskSpec.Parse(P("damaged.img") + ",format=raw"), warnings).Dispose();
        new Random(5).NextBytes(image);
        File.WriteAllBytes(P("random.img"), image);
        DiskOpener.Open(DiskSpec.Parse(P("random.img")), warnings).Dispose();
        Assert.Equal(string.Empty, warnings.ToString());
    }

    private string P(string name) => Path.Combine(_dir, name);
}
