using Vireo.Storage.Tests.Qcow2;

namespace Vireo.Storage.Tests;

/// <summary>Raw and qcow2 images (with a backing file) behave the same in every cache mode.</summary>
public sealed class CacheModeTests
{
    [Theory]
    [InlineData(DiskFormat.Raw, DiskCacheMode.Writeback, 0)]
    [InlineData(DiskFormat.Raw, DiskCacheMode.None, 0)]
    [InlineData(DiskFormat.Raw, DiskCacheMode.Unsafe, 0)]
    [InlineData(DiskFormat.Qcow2, DiskCacheMode.Writeback, 4096)]
    [InlineData(DiskFormat.Qcow2, DiskCacheMode.None, 4096)]
    [InlineData(DiskFormat.Qcow2, DiskCacheMode.None, 65536)]
    [InlineData(DiskFormat.Qcow2, DiskCacheMode.None, 512)] // tables smaller than an O_DIRECT block: read-modify-write
    [InlineData(DiskFormat.Qcow2, DiskCacheMode.Unsafe, 4096)]
    public void RandomOperationsMatchTheModelAndSurviveAReopen(DiskFormat format, DiskCacheMode cache, int clusterSize)
    {
        using var dir = new TempDirectory();
        const int Size = 4 << 20;
        byte[] model = new byte[Size];
        string path = dir.File("disk");
        if (format == DiskFormat.Qcow2)
        {
            // A backing file under the overlay: reads fall through it, partial writes copy from it.
            string basePath = dir.File("base.raw");
            DiskImage.Create(basePath, DiskFormat.Raw, Size);
            using (IBlockDevice baseImage = DiskImage.Open(basePath, DiskFormat.Raw))
            {
                new Random(3).NextBytes(model);
                baseImage.Write(0, model);
                baseImage.Flush();
            }

            DiskImage.Create(path, DiskFormat.Qcow2, null, basePath, DiskFormat.Raw, clusterSize);
        }
        else
        {
            DiskImage.Create(path, DiskFormat.Raw, Size);
        }

        using (IBlockDevice image = DiskImage.Open(path, format, readOnly: false, cache))
        {
            DiskModel.RunRandomOperations(image, model, seed: (int)cache + clusterSize, operations: 600, maxLength: 40_000);
            DiskModel.AssertContent(image, model);
            image.Flush();
        }

        using (IBlockDevice reopened = DiskImage.Open(path, format, readOnly: true))
        {
            DiskModel.AssertContent(reopened, model);
        }

        DiskCheckResult check = DiskImage.Check(path, format);
        Assert.True(check.IsClean, string.Join('\n', check.Messages));
    }

    [Theory]
    [InlineData("writeback", DiskCacheMode.Writeback)]
    [InlineData("none", DiskCacheMode.None)]
    [InlineData("unsafe", DiskCacheMode.Unsafe)]
    public void CacheModesParse(string name, DiskCacheMode expected) => Assert.Equal(expected, DiskImage.ParseCacheMode(name));

    [Theory]
    [InlineData("directsync")]
    [InlineData("None")]
    [InlineData("")]
    public void UnknownCacheModesAreRefused(string name) =>
        Assert.Contains("unknown cache mode", Assert.Throws<ArgumentException>(() => DiskImage.ParseCacheMode(name)).Message, StringComparison.Ordinal);
}
