using System.Text.Json;
using Vireo.Storage.Qcow2;
using Vireo.Storage.Tests.Qcow2;

namespace Vireo.Storage.Tests.Interop;

/// <summary>Images QEMU writes read correctly here, and images written here satisfy <c>qemu-img check</c>.</summary>
public sealed class QemuInteropTests
{
    [Fact]
    public void ImageWrittenByQemuReadsCorrectly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("q.qcow2");
        QemuTools.Succeed("qemu-img", "create", "-q", "-f", "qcow2", path, "8M");
        QemuTools.Succeed("qemu-io", "-c", "write -P 0xab 0 1M", "-c", "write -P 0xcd 3M 4k", "-c", "write -z 64k 64k", path);
        using IBlockDevice image = DiskImage.Open(path, readOnly: true);
        Assert.Equal(8UL << 20, image.Length);
        byte[] model = new byte[8 << 20];
        model.AsSpan(0, 1 << 20).Fill(0xab);
        model.AsSpan(64 << 10, 64 << 10).Clear();
        model.AsSpan(3 << 20, 4096).Fill(0xcd);
        DiskModel.AssertContent(image, model);
    }

    [Fact]
    public void QemuOverlayOnRawBackingReadsCorrectly()
    {
        using var dir = new TempDirectory();
        byte[] model = new byte[4 << 20];
        new Random(11).NextBytes(model);
        File.WriteAllBytes(dir.File("base.raw"), model);
        string overlay = dir.File("ov.qcow2");
        QemuTools.Succeed("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", overlay);
        QemuTools.Succeed("qemu-io", "-c", "write -P 0xab 100k 1M", "-c", "write -z 2M 64k", overlay);
        model.AsSpan(100 << 10, 1 << 20).Fill(0xab);
        model.AsSpan(2 << 20, 64 << 10).Clear();
        using IBlockDevice image = DiskImage.Open(overlay, readOnly: true);
        DiskModel.AssertContent(image, model);
    }

    [Fact]
    public void CompressedImageFromQemuReadsCorrectlyAndCanBeRewritten()
    {
        using var dir = new TempDirectory();
        byte[] model = new byte[6 << 20];
        var random = new Random(12);
        for (int i = 0; i < model.Length; i += 4096)
        {
            // Compressible but varied content: runs of a repeated random byte, some random blocks.
            if (random.Next(3) == 0)
            {
                random.NextBytes(model.AsSpan(i, 4096));
            }
            else
            {
                model.AsSpan(i, 4096).Fill((byte)random.Next(256));
            }
        }

        File.WriteAllBytes(dir.File("src.raw"), model);
        string path = dir.File("c.qcow2");
        QemuTools.Succeed("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", dir.File("src.raw"), path);
        using (IBlockDevice image = DiskImage.Open(path, readOnly: true))
        {
            DiskModel.AssertContent(image, model);
        }

        using (IBlockDevice image = DiskImage.Open(path))
        {
            DiskModel.RunRandomOperations(image, model, seed: 13, operations: 600, maxLength: 100_000);
        }

        File.WriteAllBytes(dir.File("expected.raw"), model);
        AssertQemuCheckClean(path);
        QemuTools.Succeed("qemu-img", "compare", "-f", "qcow2", "-F", "raw", path, dir.File("expected.raw"));
    }

    [Theory]
    [InlineData(65536, false)]
    [InlineData(512, false)]
    [InlineData(4096, true)]
    public void ImageWrittenHerePassesQemuCheckAndCompare(int clusterSize, bool withBacking)
    {
        using var dir = new TempDirectory();
        byte[] model = new byte[12 << 20];
        string path = dir.File("v.qcow2");
        if (withBacking)
        {
            new Random(21).NextBytes(model);
            File.WriteAllBytes(dir.File("base.raw"), model);
            DiskImage.Create(path, DiskFormat.Qcow2, null, "base.raw", DiskFormat.Raw, clusterSize);
        }
        else
        {
            DiskImage.Create(path, DiskFormat.Qcow2, (ulong)model.Length, clusterSize: clusterSize);
        }

        using (IBlockDevice image = DiskImage.Open(path))
        {
            // Write, discard and rewrite, as a guest file system does.
            DiskModel.RunRandomOperations(image, model, seed: clusterSize, operations: 2500, maxLength: 128 << 10);
        }

        File.WriteAllBytes(dir.File("expected.raw"), model);
        AssertQemuCheckClean(path);
        QemuTools.Succeed("qemu-img", "compare", "-f", "qcow2", "-F", "raw", path, dir.File("expected.raw"));
        Assert.True(DiskImage.Check(path).IsClean);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    public void OtherRefcountWidthsFromQemuAreReadAndWritten(int refcountBits)
    {
        using var dir = new TempDirectory();
        string path = dir.File("r.qcow2");
        QemuTools.Succeed("qemu-img", "create", "-q", "-f", "qcow2", "-o", $"refcount_bits={refcountBits},cluster_size=4096", path, "6M");
        QemuTools.Succeed("qemu-io", "-c", "write -P 0x5a 0 256k", path);
        byte[] model = new byte[6 << 20];
        model.AsSpan(0, 256 << 10).Fill(0x5a);
        using (IBlockDevice image = DiskImage.Open(path))
        {
            Assert.Equal(refcountBits, ((Qcow2Image)image).Header.RefcountBits);
            DiskModel.AssertContent(image, model);
            DiskModel.RunRandomOperations(image, model, seed: refcountBits, operations: 800, maxLength: 64 << 10);
        }

        File.WriteAllBytes(dir.File("expected.raw"), model);
        AssertQemuCheckClean(path);
        QemuTools.Succeed("qemu-img", "compare", "-f", "qcow2", "-F", "raw", path, dir.File("expected.raw"));
    }

    [Fact]
    public void ImageMadeByDiskCreateIsAcceptedByQemu()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("base.raw"), new byte[1 << 20]);
        string path = dir.File("n.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, null, "base.raw", DiskFormat.Raw);
        string info = QemuTools.Succeed("qemu-img", "info", "--output=json", path);
        using JsonDocument json = JsonDocument.Parse(info);
        Assert.Equal("qcow2", json.RootElement.GetProperty("format").GetString());
        Assert.Equal(1 << 20, json.RootElement.GetProperty("virtual-size").GetInt64());
        Assert.Equal("base.raw", json.RootElement.GetProperty("backing-filename").GetString());
        Assert.Equal("raw", json.RootElement.GetProperty("backing-filename-format").GetString());
        AssertQemuCheckClean(path);
    }

    [Fact]
    public void CheckerAgreesWithQemuOnLeaksAndCorruption()
    {
        using var dir = new TempDirectory();
        string path = dir.File("k.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 4 << 20, clusterSize: 4096);
        using (IBlockDevice image = DiskImage.Open(path))
        {
            image.Write(0, new byte[64 << 10].Select(_ => (byte)1).ToArray());
        }

        Qcow2Header header = Qcow2ImageTests.ReadHeader(path);
        ulong l2 = Qcow2ImageTests.ReadBe64(path, (long)header.L1TableOffset) & 0x00FF_FFFF_FFFF_FE00UL;
        // Drop the mapping of guest cluster 1: its data cluster becomes a leak.
        Qcow2ImageTests.PatchBe64(path, (long)l2 + 8, 0);
        DiskCheckResult leaky = DiskImage.Check(path);
        Assert.Equal(0, leaky.Errors);
        Assert.Equal(1, leaky.Leaks);
        (int code, _) = QemuTools.Run("qemu-img", "check", path);
        Assert.Equal(3, code); // qemu-img: leaks only

        // Map guest cluster 1 onto guest cluster 0's data: referenced twice, refcount 1.
        ulong entry0 = Qcow2ImageTests.ReadBe64(path, (long)l2);
        Qcow2ImageTests.PatchBe64(path, (long)l2 + 8, entry0);
        DiskCheckResult corrupt = DiskImage.Check(path);
        Assert.True(corrupt.Errors >= 1, string.Join("\n", corrupt.Messages));
        (code, _) = QemuTools.Run("qemu-img", "check", path);
        Assert.Equal(2, code); // qemu-img: corruptions
    }

    private static void AssertQemuCheckClean(string path)
    {
        (int code, string output) = QemuTools.Run("qemu-img", "check", "--output=json", path);
        Assert.True(code == 0, $"qemu-img check exited {code}: {output}");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal(0, root.GetProperty("check-errors").GetInt32());
        Assert.False(root.TryGetProperty("corruptions", out JsonElement corruptions) && corruptions.GetInt32() != 0, output);
        Assert.False(root.TryGetProperty("leaks", out JsonElement leaks) && leaks.GetInt32() != 0, output);
    }
}
