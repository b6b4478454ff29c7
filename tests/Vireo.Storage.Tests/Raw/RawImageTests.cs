using Vireo.Storage.Raw;

namespace Vireo.Storage.Tests.Raw;

public sealed class RawImageTests
{
    [Fact]
    public void CreatedImageIsSparseAndReadsZero()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.raw");
        DiskImage.Create(path, DiskFormat.Raw, 64UL << 20);
        Assert.Equal(64L << 20, new FileInfo(path).Length);
        using var image = RawImage.Open(path, readOnly: false);
        Assert.Equal(64UL << 20, image.Length);
        Assert.True(image.AllocatedBytes < (1L << 20), $"allocated {image.AllocatedBytes}");
        byte[] buffer = new byte[4096];
        buffer.AsSpan().Fill(0x55);
        image.Read(10 << 20, buffer);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public void WritesReadBackAndDiscardPunchesHoles()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.raw");
        DiskImage.Create(path, DiskFormat.Raw, 16UL << 20);
        using var image = RawImage.Open(path, readOnly: false);
        byte[] data = new byte[4 << 20];
        new Random(1).NextBytes(data);
        image.Write(1 << 20, data);
        image.Flush();
        byte[] back = new byte[data.Length];
        image.Read(1 << 20, back);
        Assert.Equal(data, back);
        long before = image.AllocatedBytes;
        Assert.True(before >= data.Length);

        image.Discard(1 << 20, 2 << 20);
        image.Read(1 << 20, back);
        Assert.All(back.AsSpan(0, 2 << 20).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(data.AsSpan(2 << 20).ToArray(), back.AsSpan(2 << 20).ToArray());
        Assert.True(image.AllocatedBytes <= before - (2 << 20), $"{image.AllocatedBytes} vs {before}");

        image.WriteZeroes((3 << 20) + 512, 1024);
        image.Read(3 << 20, back.AsSpan(0, 4096));
        Assert.Equal(data.AsSpan(2 << 20, 512).ToArray(), back.AsSpan(0, 512).ToArray());
        Assert.All(back.AsSpan(512, 1024).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(data.AsSpan((2 << 20) + 1536, 2560).ToArray(), back.AsSpan(1536, 2560).ToArray());
    }

    [Fact]
    public void ReadOnlyImageRefusesWritesAndRangesAreChecked()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.raw");
        DiskImage.Create(path, DiskFormat.Raw, 1 << 20);
        using (IBlockDevice ro = DiskImage.Open(path, DiskFormat.Raw, readOnly: true))
        {
            Assert.True(ro.IsReadOnly);
            Assert.Throws<IOException>(() => ro.Write(0, new byte[512]));
            Assert.Throws<IOException>(() => ro.Discard(0, 512));
        }

        using IBlockDevice rw = DiskImage.Open(path);
        Assert.Throws<IOException>(() => rw.Write((1 << 20) - 256, new byte[512]));
        Assert.Throws<IOException>(() => rw.Read(ulong.MaxValue - 10, new byte[512]));
        Assert.Equal(1L << 20, new FileInfo(path).Length);
    }

    [Fact]
    public void CreateRefusesToOverwriteAndLeavesNoTempFiles()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.raw");
        System.IO.File.WriteAllText(path, "keep me");
        Assert.Throws<IOException>(() => DiskImage.Create(path, DiskFormat.Raw, 1 << 20));
        Assert.Equal("keep me", System.IO.File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}
