using System.Buffers.Binary;
using System.Security.Cryptography;
using Vireo.Storage.Qcow2;

namespace Vireo.Storage.Tests.Qcow2;

public sealed class Qcow2ImageTests
{
    [Fact]
    public void AllocatesOnFirstWriteAndKeepsDataAcrossReopen()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 64UL << 20);
        long emptyLength = new FileInfo(path).Length;
        Assert.Equal(DiskFormat.Qcow2, DiskImage.Probe(path));

        byte[] data = new byte[4096];
        new Random(2).NextBytes(data);
        using (IBlockDevice image = DiskImage.Open(path))
        {
            Assert.Equal(64UL << 20, image.Length);
            byte[] back = new byte[4096];
            image.Read(1 << 20, back);
            Assert.All(back, b => Assert.Equal(0, b));
            image.Write((1 << 20) + 512, data);
            image.Read((1 << 20) + 512, back);
            Assert.Equal(data, back);
        }

        // One data cluster and one L2 table: the file grew by two clusters, not by the virtual size.
        Assert.Equal(emptyLength + (2 * 65536), new FileInfo(path).Length);
        using (IBlockDevice image = DiskImage.Open(path, readOnly: true))
        {
            byte[] back = new byte[8192];
            image.Read(1 << 20, back);
            Assert.All(back.AsSpan(0, 512).ToArray(), b => Assert.Equal(0, b));
            Assert.Equal(data, back.AsSpan(512, 4096).ToArray());
            Assert.All(back.AsSpan(4608).ToArray(), b => Assert.Equal(0, b));
        }

        DiskCheckResult check = DiskImage.Check(path);
        Assert.True(check.IsClean, string.Join("\n", check.Messages));
        Assert.Equal(1UL, check.AllocatedClusters);
    }

    [Fact]
    public void ClusterReservationsGrowWhileWritingAndStartSmallAfterAFlush()
    {
        using var dir = new TempDirectory();
        string path = dir.File("stream.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 64UL << 20); // 64 KiB clusters: a batch of 64, then all 1024
        byte[] cluster = new byte[64 << 10];
        cluster.AsSpan().Fill(0x77);
        using IBlockDevice image = DiskImage.Open(path);

        // 193 clusters written and one L2 table: the batch of 64 is used up, and 130 of the second batch's 1024. What a
        // crash would leave (a copy of the file now): its 894 unused clusters leak; nothing is corrupt.
        for (ulong i = 0; i < 193; i++)
        {
            image.Write(i * (ulong)cluster.Length, cluster);
        }

        Assert.Equal((0, 894), ErrorsAndLeaksOfACopy(dir, path, "first"));

        // A flush gives them back and the next batch is the first size again.
        image.Flush();
        Assert.Equal((0, 0), ErrorsAndLeaksOfACopy(dir, path, "flushed"));
        image.Write(193 * (ulong)cluster.Length, cluster);
        Assert.Equal((0, 63), ErrorsAndLeaksOfACopy(dir, path, "second"));

        static (int Errors, int Leaks) ErrorsAndLeaksOfACopy(TempDirectory dir, string path, string name)
        {
            // The image holds its lock (as a running VM would), so copy it the way an outside tool does.
            string copy = dir.File(name + ".qcow2");
            Interop.QemuTools.Succeed("cp", "--sparse=always", path, copy);
            DiskCheckResult result = DiskImage.Check(copy);

            // Reserved clusters are not written yet, so they lie past the end of the file, where (as for qemu-img)
            // the check does not count refcounts: count them in the refcount block. In use: the data clusters, the
            // header, the refcount table and block, L1 and one L2 table.
            byte[] bytes = File.ReadAllBytes(copy);
            ulong table = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(48));
            int block = (int)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan((int)table));
            int counted = 0;
            for (int i = 0; i < 32768; i++)
            {
                counted += BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(block + (i * 2))) != 0 ? 1 : 0;
            }

            return (result.Errors, result.Leaks + counted - (int)result.AllocatedClusters - 5);
        }
    }

    [Fact]
    public void ReadsThroughBackingChainAndCopiesOnWritePartialClusters()
    {
        using var dir = new TempDirectory();
        string basePath = dir.File("base.raw");
        byte[] baseData = new byte[4 << 20];
        new Random(3).NextBytes(baseData);
        File.WriteAllBytes(basePath, baseData);
        byte[] baseHash = SHA256.HashData(baseData);

        string middle = dir.File("middle.qcow2");
        DiskImage.Create(middle, DiskFormat.Qcow2, null, "base.raw", DiskFormat.Raw);
        byte[] model = (byte[])baseData.Clone();
        using (IBlockDevice image = DiskImage.Open(middle))
        {
            Assert.Equal((ulong)baseData.Length, image.Length);
            DiskModel.AssertContent(image, model);
            byte[] patch = new byte[100];
            patch.AsSpan().Fill(0x11);
            image.Write(1000, patch); // partial cluster: the rest of the cluster comes from the backing file
            patch.CopyTo(model, 1000);
            DiskModel.AssertContent(image, model);
        }

        string top = dir.File("top.qcow2");
        DiskImage.Create(top, DiskFormat.Qcow2, null, "middle.qcow2");
        using (IBlockDevice image = DiskImage.Open(top))
        {
            DiskModel.AssertContent(image, model);
            byte[] patch = new byte[70000];
            patch.AsSpan().Fill(0x22);
            image.Write(60000, patch); // spans three clusters, partial at both ends
            patch.CopyTo(model, 60000);
            image.WriteZeroes(2 << 20, 65536); // a whole cluster zeroed over the backing data
            model.AsSpan(2 << 20, 65536).Clear();
            image.Discard((3 << 20) + 100, 300); // partial: written as zeroes
            model.AsSpan((3 << 20) + 100, 300).Clear();
            DiskModel.AssertContent(image, model);
        }

        using (IBlockDevice image = DiskImage.Open(top, readOnly: true))
        {
            DiskModel.AssertContent(image, model);
        }

        Assert.Equal(baseHash, SHA256.HashData(File.ReadAllBytes(basePath)));
        Assert.True(DiskImage.Check(top).IsClean);
        Assert.True(DiskImage.Check(middle).IsClean);
        DiskImageInfo info = DiskImage.Inspect(top);
        Assert.Equal(DiskFormat.Qcow2, info.Format);
        Assert.Equal("middle.qcow2", info.BackingFile);
        Assert.Equal(DiskFormat.Qcow2, info.Backing!.Format);
        Assert.Equal("raw", info.Backing.BackingFormat);
        Assert.Equal(DiskFormat.Raw, info.Backing.Backing!.Format);
        Assert.Null(info.Backing.Backing.Backing);
    }

    [Fact]
    public void DiscardFreesClustersAndZeroClustersHideTheBacking()
    {
        using var dir = new TempDirectory();
        string basePath = dir.File("base.raw");
        File.WriteAllBytes(basePath, Enumerable.Repeat((byte)0x77, 1 << 20).ToArray());
        string path = dir.File("ov.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, null, basePath, DiskFormat.Raw);
        using (var image = (Qcow2Image)DiskImage.Open(path))
        {
            image.Write(0, new byte[1 << 20].Select((_, i) => (byte)i).ToArray());
            image.Flush();
            long full = image.AllocatedBytes;
            image.Discard(0, 512 << 10);
            byte[] back = new byte[1 << 20];
            image.Read(0, back);
            Assert.All(back.AsSpan(0, 512 << 10).ToArray(), b => Assert.Equal(0, b));
            Assert.Equal(unchecked((byte)(600 << 10)), back[600 << 10]);
            Assert.True(image.AllocatedBytes <= full - (512 << 10), $"{image.AllocatedBytes} vs {full}");
        }

        // The zero flag, not the backing file's 0x77, answers for discarded clusters.
        byte[] raw = File.ReadAllBytes(path);
        Assert.True(DiskImage.Check(path).IsClean);
        Assert.True(raw.Length > 0);
    }

    [Fact]
    public void RandomOperationsMatchAModelAcrossReopenAndRefcountsStayConsistent()
    {
        using var dir = new TempDirectory();
        string path = dir.File("random.qcow2");
        // 512-byte clusters: thousands of allocations, many refcount blocks, and a refcount table that must grow.
        DiskImage.Create(path, DiskFormat.Qcow2, 16UL << 20, clusterSize: 512);
        byte[] model = new byte[16 << 20];
        Assert.Equal(1U, ReadHeader(path).RefcountTableClusters);
        using (IBlockDevice image = DiskImage.Open(path))
        {
            DiskModel.RunRandomOperations(image, model, seed: 42, operations: 4000, maxLength: 32 << 10);
        }

        // One 512-byte refcount table cluster covers 8 MiB of file: the table had to move and grow.
        Assert.True(ReadHeader(path).RefcountTableClusters > 1);

        DiskCheckResult check = DiskImage.Check(path);
        Assert.True(check.IsClean, string.Join("\n", check.Messages));
        using (IBlockDevice image = DiskImage.Open(path))
        {
            DiskModel.AssertContent(image, model);
            DiskModel.RunRandomOperations(image, model, seed: 43, operations: 1000, maxLength: 32 << 10);
            DiskModel.AssertContent(image, model);
        }

        Assert.True(DiskImage.Check(path).IsClean);
    }

    [Fact]
    public void RandomOperationsOverABackingFileMatchTheModel()
    {
        using var dir = new TempDirectory();
        byte[] model = new byte[8 << 20];
        new Random(5).NextBytes(model);
        File.WriteAllBytes(dir.File("base.raw"), model);
        string path = dir.File("ov.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, null, "base.raw", DiskFormat.Raw, clusterSize: 4096);
        using (IBlockDevice image = DiskImage.Open(path))
        {
            DiskModel.RunRandomOperations(image, model, seed: 7, operations: 3000, maxLength: 20000);
        }

        Assert.True(DiskImage.Check(path).IsClean);
        using (IBlockDevice image = DiskImage.Open(path, readOnly: true))
        {
            DiskModel.AssertContent(image, model);
        }
    }

    [Fact]
    public void ConcurrentWritersAndReadersStayConsistent()
    {
        using var dir = new TempDirectory();
        string path = dir.File("mt.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 16UL << 20, clusterSize: 4096);
        using (IBlockDevice image = DiskImage.Open(path))
        {
            // Each thread owns a disjoint quarter and checks its own data; allocations interleave across threads.
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
            {
                var random = new Random(t);
                byte[] mine = new byte[4 << 20];
                byte[] buffer = new byte[16384];
                ulong baseOffset = (ulong)t * (4UL << 20);
                for (int i = 0; i < 400; i++)
                {
                    int offset = random.Next(0, mine.Length - buffer.Length);
                    random.NextBytes(buffer);
                    image.Write(baseOffset + (ulong)offset, buffer);
                    buffer.CopyTo(mine, offset);
                    int check = random.Next(0, mine.Length - buffer.Length);
                    image.Read(baseOffset + (ulong)check, buffer);
                    Assert.True(buffer.AsSpan().SequenceEqual(mine.AsSpan(check, buffer.Length)));
                }
            });
        }

        Assert.True(DiskImage.Check(path).IsClean);
    }

    [Fact]
    public void AWritableImageCannotBeOpenedTwiceNorUsedAsABackingMeanwhile()
    {
        using var dir = new TempDirectory();
        DiskImage.Create(dir.File("base.qcow2"), DiskFormat.Qcow2, 1 << 20);
        DiskImage.Create(dir.File("top.qcow2"), DiskFormat.Qcow2, null, "base.qcow2");
        using (IBlockDevice writer = DiskImage.Open(dir.File("base.qcow2")))
        {
            Assert.Throws<IOException>(() => DiskImage.Open(dir.File("base.qcow2")));
            Assert.Throws<IOException>(() => DiskImage.Open(dir.File("top.qcow2")));
        }

        using IBlockDevice top = DiskImage.Open(dir.File("top.qcow2"));
        using IBlockDevice otherReader = DiskImage.Open(dir.File("base.qcow2"), readOnly: true);
        Assert.Equal(1UL << 20, top.Length);
    }

    [Fact]
    public void BackingChainLoopsAreRefused()
    {
        using var dir = new TempDirectory();
        Qcow2Image.CreateFile(dir.File("a.qcow2"), 1 << 20, 16, "b.qcow2", "qcow2");
        Qcow2Image.CreateFile(dir.File("b.qcow2"), 1 << 20, 16, "a.qcow2", null);
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => DiskImage.Open(dir.File("a.qcow2"), readOnly: true));
        Assert.Contains("loop", error.Message);
        Qcow2Image.CreateFile(dir.File("self.qcow2"), 1 << 20, 16, "self.qcow2", null);
        Assert.Throws<InvalidDataException>(() => DiskImage.Open(dir.File("self.qcow2")));
    }

    [Fact]
    public void UnknownIncompatibleFeaturesAreRefusedAndCorruptImagesAreReadOnly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("f.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 1 << 20);
        SetIncompatible(path, 1UL << 9);
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => DiskImage.Open(path, readOnly: true));
        Assert.Contains("incompatible feature", error.Message);
        Assert.Contains("bit 9", error.Message);

        SetIncompatible(path, 1UL << 4);
        Assert.Contains("extended L2", Assert.Throws<InvalidDataException>(() => DiskImage.Open(path, readOnly: true)).Message);

        SetIncompatible(path, Qcow2Header.IncompatibleCorrupt);
        Assert.Contains("corrupt", Assert.Throws<InvalidDataException>(() => DiskImage.Open(path, readOnly: false)).Message);
        using (IBlockDevice ro = DiskImage.Open(path, readOnly: true))
        {
            Assert.True(ro.IsReadOnly);
        }

        using (IBlockDevice auto = DiskImage.Open(path))
        {
            Assert.True(auto.IsReadOnly);
        }

        SetIncompatible(path, Qcow2Header.IncompatibleDirty);
        Assert.Contains("dirty", Assert.Throws<InvalidDataException>(() => DiskImage.Open(path, readOnly: false)).Message);
    }

    [Fact]
    public void HeaderRoundTripsExtensionsAndBackingName()
    {
        var header = new Qcow2Header
        {
            Version = 3,
            ClusterBits = 16,
            Size = 1 << 30,
            L1Size = 2,
            L1TableOffset = 3 << 16,
            RefcountTableOffset = 1 << 16,
            RefcountTableClusters = 1,
            CompatibleFeatures = 1,
            AutoclearFeatures = 0,
            Extensions =
            [
                new Qcow2HeaderExtension(Qcow2Header.BackingFormatExtension, "raw"u8.ToArray()),
                new Qcow2HeaderExtension(0x12345678, [1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ],
            BackingFile = "../base image.raw",
        };
        byte[] bytes = header.Serialize();
        Qcow2Header parsed = Qcow2Header.Parse(bytes, 4 << 16);
        Assert.Equal("../base image.raw", parsed.BackingFile);
        Assert.Equal("raw", parsed.BackingFormat);
        Assert.Equal(2, parsed.Extensions.Count);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, parsed.Extensions[1].Data);
        Assert.Equal(1UL, parsed.CompatibleFeatures);
        Assert.Equal(bytes, parsed.Serialize());
    }

    [Theory]
    [InlineData(20, 8u, "cluster_bits")]
    [InlineData(20, 22u, "cluster_bits")]
    [InlineData(4, 4u, "version")]
    [InlineData(96, 7u, "refcount_order")]
    [InlineData(36, 0x0100_0000u, "L1 table")]
    [InlineData(56, 0x1000_0000u, "refcount table")]
    [InlineData(32, 1u, "encrypted")]
    public void HostileHeaderFieldsAreRefusedAtOpen(int fieldOffset, uint value, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("h.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 1 << 20);
        using (FileStream stream = File.OpenWrite(path))
        {
            byte[] field = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(field, value);
            stream.Position = fieldOffset;
            stream.Write(field);
        }

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => DiskImage.Open(path, readOnly: true));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TablesPastEndOfFileOrInsideTheHeaderAreRefused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 1 << 20);
        PatchBe64(path, 40, 1UL << 40); // L1 table far past the end
        Assert.Contains("past the end", Assert.Throws<InvalidDataException>(() => DiskImage.Open(path)).Message);
        PatchBe64(path, 40, 0); // L1 table over the header
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => DiskImage.Open(path)).Message);
        PatchBe64(path, 40, 65536); // L1 table on top of the refcount table
        Assert.Contains("overlap", Assert.Throws<InvalidDataException>(() => DiskImage.Open(path)).Message);
    }

    [Fact]
    public void L2EntriesPointingIntoMetadataFailTheRequestWithoutDamage()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 4 << 20);
        using (IBlockDevice image = DiskImage.Open(path))
        {
            image.Write(0, new byte[65536]);
        }

        // Point guest cluster 0's L2 entry at the refcount table (cluster 1) with the COPIED flag, as an attacker would.
        Qcow2Header header = ReadHeader(path);
        ulong l2 = ReadBe64(path, (long)header.L1TableOffset) & 0x00FF_FFFF_FFFF_FE00UL;
        PatchBe64(path, (long)l2, (1UL << 63) | header.RefcountTableOffset);
        byte[] tableBefore = ReadBytes(path, (long)header.RefcountTableOffset, 65536);
        using (IBlockDevice image = OpenWithoutFullCheck(path))
        {
            byte[] data = new byte[4096];
            data.AsSpan().Fill(0xEE);
            // Not written in place (metadata); the write gets a fresh cluster and the old mapping is leaked, not freed.
            image.Write(0, data);
            byte[] back = new byte[4096];
            image.Read(0, back);
            Assert.Equal(data, back);
        }

        Assert.Equal(tableBefore, ReadBytes(path, (long)header.RefcountTableOffset, 65536));
    }

    [Fact]
    public void TablesAliasingOtherMetadataFailRequestsAndAreNeverWritten()
    {
        using var dir = new TempDirectory();
        string path = dir.File("alias.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, 4 << 20, clusterSize: 4096);
        Qcow2Header header = ReadHeader(path);

        // L1 entry 0 claims the refcount table is its L2 table.
        PatchBe64(path, (long)header.L1TableOffset, header.RefcountTableOffset | (1UL << 63));
        byte[] before = File.ReadAllBytes(path);
        using (IBlockDevice image = OpenWithoutFullCheck(path))
        {
            Assert.Contains("overlaps", Assert.Throws<InvalidDataException>(() => image.Read(0, new byte[512])).Message);
            Assert.Throws<InvalidDataException>(() => image.Write(0, new byte[512]));
        }

        Assert.Equal(before, File.ReadAllBytes(path));

        // Refcount table entry 0 claims the L1 table is a refcount block: allocation must not scribble on L1.
        PatchBe64(path, (long)header.L1TableOffset, 0);
        PatchBe64(path, (long)header.RefcountTableOffset, header.L1TableOffset);
        before = File.ReadAllBytes(path);
        Assert.Throws<InvalidDataException>(() =>
        {
            using IBlockDevice image = OpenWithoutFullCheck(path);
            image.Write(0, new byte[512]);
        });

        Assert.Equal(before.AsSpan((int)header.L1TableOffset, 4096).ToArray(), File.ReadAllBytes(path).AsSpan((int)header.L1TableOffset, 4096).ToArray());
    }

    private static void SetIncompatible(string path, ulong bits) => PatchBe64(path, 72, bits);

    /// <summary>Writable, with only the cheap check at open (as for a file too large for the full one): reaches the checks made per request.</summary>
    private static Qcow2Image OpenWithoutFullCheck(string path) =>
        Qcow2Image.Open(path, false, (_, _) => throw new InvalidOperationException("no backing"), DiskCacheMode.Writeback, null, openCheckMaxClusters: 0);

    internal static void PatchBe64(string path, long offset, ulong value)
    {
        using FileStream stream = File.OpenWrite(path);
        byte[] field = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(field, value);
        stream.Position = offset;
        stream.Write(field);
    }

    internal static ulong ReadBe64(string path, long offset) => BinaryPrimitives.ReadUInt64BigEndian(ReadBytes(path, offset, 8));

    internal static byte[] ReadBytes(string path, long offset, int length)
    {
        using FileStream stream = File.OpenRead(path);
        byte[] bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    internal static Qcow2Header ReadHeader(string path)
    {
        byte[] all = File.ReadAllBytes(path);
        return Qcow2Header.Parse(all.AsSpan(0, Math.Min(all.Length, 1 << 21)), (ulong)all.Length);
    }
}
