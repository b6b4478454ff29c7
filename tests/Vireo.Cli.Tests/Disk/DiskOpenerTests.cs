using System.Buffers.Binary;
using Vireo.Cli.Disk;
using Vireo.Cli.Run;
using Vireo.Storage;

namespace Vireo.Cli.Tests.Disk;

/// <summary><c>--disk</c> of a damaged qcow2: read-only with a warning by default, bad input with an explicit <c>readonly=off</c>.</summary>
public sealed class DiskOpenerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-cli-opener-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DamagedImageOpensReadOnlyWithOneWarningUnlessReadOnlyOffWasGiven()
    {
        string path = DamagedImage();
        var warnings = new StringWriter();
        using (IBlockDevice disk = DiskOpener.Open(DiskSpec.Parse(path), warnings))
        {
            Assert.True(disk.IsReadOnly);
        }

        string warning = warnings.ToString().TrimEnd('\n');
        Assert.StartsWith("vireo: warning: --disk", warning, StringComparison.Ordinal);
        Assert.Contains("vireo disk check", warning, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', warning);

        UserErrorException error = Assert.Throws<UserErrorException>(() => DiskOpener.Open(DiskSpec.Parse($"{path},readonly=off"), TextWriter.Null));
        Assert.Contains("vireo disk check", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ReadOnlyIsTriState()
    {
        string path = Path.Combine(_dir, "plain.raw");
        File.WriteAllBytes(path, new byte[4096]);
        Assert.Null(DiskSpec.Parse(path).ReadOnly);
        Assert.False(DiskSpec.Parse($"{path},readonly=off").ReadOnly);
        Assert.True(DiskSpec.Parse($"{path},readonly=on").ReadOnly);
        using IBlockDevice disk = DiskOpener.Open(DiskSpec.Parse(path), TextWriter.Null);
        Assert.False(disk.IsReadOnly);
    }

    [Fact]
    public void DirectoryIsNamedAsSuch()
    {
        UserErrorException error = Assert.Throws<UserErrorException>(() => DiskSpec.Parse(_dir));
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    private string DamagedImage()
    {
        string path = Path.Combine(_dir, "d.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 8 << 20);
        using (IBlockDevice disk = DiskImage.Open(path))
        {
            disk.Write(1 << 20, new byte[65536]);
        }

        // Zero the one refcount block: every cluster in use now claims refcount 0.
        byte[] bytes = File.ReadAllBytes(path);
        ulong table = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(48));
        ulong block = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan((int)table));
        Array.Clear(bytes, (int)block, 65536);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
