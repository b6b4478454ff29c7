using System.Runtime.InteropServices;
using Vireo.Storage.Host;
using Vireo.Storage.Tests.Qcow2;

namespace Vireo.Storage.Tests;

/// <summary>Vectored transfers (one preadv/pwritev per request) against a model, for every format and cache mode.</summary>
public sealed unsafe class ScatterGatherTests : IDisposable
{
    private const int Arena = 1 << 20;
    private readonly byte* _memory = (byte*)NativeMemory.AlignedAlloc(Arena, 4096);

    public void Dispose() => NativeMemory.AlignedFree(_memory);

    [Theory]
    [InlineData(DiskFormat.Raw, DiskCacheMode.Writeback)]
    [InlineData(DiskFormat.Raw, DiskCacheMode.None)]
    [InlineData(DiskFormat.Qcow2, DiskCacheMode.Writeback)]
    [InlineData(DiskFormat.Qcow2, DiskCacheMode.None)]
    public void GatheredWritesAndScatteredReadsMatchTheModel(DiskFormat format, DiskCacheMode cache)
    {
        using var dir = new TempDirectory();
        const int Size = 8 << 20;
        byte[] model = new byte[Size];
        string path = dir.File("disk");
        if (format == DiskFormat.Qcow2)
        {
            // Backed, so the first writes copy-on-write (segment by segment) and rewrites go vectored in place.
            string basePath = dir.File("base.raw");
            DiskImage.Create(basePath, DiskFormat.Raw, Size);
            using (IBlockDevice baseImage = DiskImage.Open(basePath))
            {
                new Random(11).NextBytes(model);
                baseImage.Write(0, model);
            }

            DiskImage.Create(path, DiskFormat.Qcow2, null, basePath, DiskFormat.Raw, clusterSize: 65536);
        }
        else
        {
            DiskImage.Create(path, DiskFormat.Raw, Size);
        }

        var random = new Random((int)format * 10 + (int)cache);
        using (IBlockDevice image = DiskImage.Open(path, format, readOnly: false, cache))
        {
            for (int round = 0; round < 300; round++)
            {
                // Page-aligned segments (the guest's usual case), sometimes odd ones (the bounce path with O_DIRECT).
                bool aligned = random.Next(3) != 0;
                IoSegment[] segments = MakeSegments(random, aligned, out int total);
                ulong offset = (ulong)random.Next(0, (Size - total) / 4096) * 4096;
                if (!aligned)
                {
                    offset += (ulong)random.Next(0, 4096) & ~511UL;
                }

                if (random.Next(2) == 0)
                {
                    Fill(segments, random);
                    image.WriteGathered(offset, segments);
                    Gather(segments).CopyTo(model.AsSpan((int)offset));
                }
                else
                {
                    image.ReadScattered(offset, segments);
                    Assert.True(Gather(segments).AsSpan().SequenceEqual(model.AsSpan((int)offset, total)), $"round {round}: scattered read at {offset} (+{total}) differs");
                }
            }

            DiskModel.AssertContent(image, model);
            image.Flush();
        }

        using (IBlockDevice reopened = DiskImage.Open(path, format, readOnly: true))
        {
            DiskModel.AssertContent(reopened, model);
        }

        Assert.True(DiskImage.Check(path, format).IsClean);
    }

    [Theory]
    [InlineData(DiskCacheMode.Writeback)]
    [InlineData(DiskCacheMode.None)]
    public void Qcow2WritesOfWholeNewClustersGoOutTogetherAndMatchTheModel(DiskCacheMode cache)
    {
        // 4 KiB clusters: one L2 table covers 2 MiB, so a write from 1.5 MiB spans two tables. Over a backing file, with
        // some clusters zeroed and some already allocated, so only some writes qualify.
        using var dir = new TempDirectory();
        const int Size = 4 << 20;
        const int Cluster = 4096;
        string basePath = dir.File("base.raw");
        DiskImage.Create(basePath, DiskFormat.Raw, Size);
        byte[] model = new byte[Size];
        new Random(21).NextBytes(model);
        using (IBlockDevice baseImage = DiskImage.Open(basePath))
        {
            baseImage.Write(0, model);
        }

        string path = dir.File("top.qcow2");
        DiskImage.Create(path, DiskFormat.Qcow2, null, basePath, DiskFormat.Raw, clusterSize: Cluster);
        var random = new Random(22);
        using (var image = (Vireo.Storage.Qcow2.Qcow2Image)DiskImage.Open(path, DiskFormat.Qcow2, readOnly: false, cache))
        {
            image.WriteZeroes(3 << 20, 64 << 10);
            model.AsSpan(3 << 20, 64 << 10).Clear();
            image.Write(1 << 20, model.AsSpan(1 << 20, Cluster)); // one allocated cluster in the way of the last write

            (int Offset, int Length, bool Fresh)[] writes =
            [
                (3 << 19, 1 << 20, true), // 1.5 MiB: across the second L2 table's start
                ((3 << 20) - (32 << 10), 128 << 10, true), // into the zeroed clusters
                (1 << 20, 256 << 10, false), // starts on the allocated cluster: cluster by cluster
                (100 << 10, 8 << 10, true),
            ];
            long before = image.FreshClusterWrites;
            foreach ((int offset, int length, bool fresh) in writes)
            {
                // 3000-byte segments, so cluster boundaries fall inside them.
                byte[] data = new byte[length];
                random.NextBytes(data);
                var segments = new List<IoSegment>();
                for (int at = 0; at < length; at += 3000)
                {
                    segments.Add(new IoSegment((nint)(_memory + at), Math.Min(3000, length - at)));
                }

                data.CopyTo(new Span<byte>(_memory, length));
                image.WriteGathered((ulong)offset, segments.ToArray());
                data.CopyTo(model.AsSpan(offset));
                Assert.Equal(before + (fresh ? 1 : 0), image.FreshClusterWrites);
                before = image.FreshClusterWrites;
            }

            DiskModel.AssertContent(image, model);
            image.Flush();
        }

        Assert.True(DiskImage.Check(path).IsClean);
        File.WriteAllBytes(dir.File("expected.raw"), model);
        Interop.QemuTools.Succeed("qemu-img", "check", path);
        Interop.QemuTools.Succeed("qemu-img", "compare", "-f", "qcow2", "-F", "raw", path, dir.File("expected.raw"));
    }

    [Fact]
    public void Qcow2ScatteredReadAcrossInterleavedClustersMatchesTheModel()
    {
        // Clusters allocated out of order (as concurrent writes leave them), one left unallocated: the read goes out
        // in several host runs whose ends fall inside segments.
        using var dir = new TempDirectory();
        string path = dir.File("disk.qcow2");
        const int Cluster = 65536;
        DiskImage.Create(path, DiskFormat.Qcow2, 1 << 20, clusterSize: Cluster);
        byte[] model = new byte[4 * Cluster];
        new Random(5).NextBytes(model);
        model.AsSpan(2 * Cluster, Cluster).Clear();
        using IBlockDevice image = DiskImage.Open(path);
        foreach (int cluster in new[] { 1, 0, 3 })
        {
            image.Write((ulong)cluster * Cluster, model.AsSpan(cluster * Cluster, Cluster));
        }

        // Segments of 3000 bytes (plus the rest), so no run boundary falls on a segment boundary.
        var segments = new List<IoSegment>();
        for (int at = 0; at < model.Length; at += 3000)
        {
            segments.Add(new IoSegment((nint)(_memory + at), Math.Min(3000, model.Length - at)));
        }

        new Span<byte>(_memory, model.Length).Fill(0xcc);
        image.ReadScattered(0, segments.ToArray());

        Assert.True(new Span<byte>(_memory, model.Length).SequenceEqual(model));
    }

    [Theory]
    [InlineData(DiskCacheMode.Writeback)]
    [InlineData(DiskCacheMode.None)]
    public void ScatteredReadsPastTheEndOfTheFileReadZeroes(DiskCacheMode cache)
    {
        using var dir = new TempDirectory();
        string path = dir.File("file");
        byte[] content = new byte[10000];
        new Random(2).NextBytes(content);
        File.WriteAllBytes(path, content);
        new Span<byte>(_memory, 4 * 4096).Fill(0xcc);
        IoSegment[] segments = [new((nint)_memory, 4096), new((nint)(_memory + 4096), 4096), new((nint)(_memory + 8192), 8192)];
        using ImageFile file = ImageFile.Open(path, readOnly: true, cache);

        file.ReadScattered(0, segments);

        byte[] expected = new byte[16384];
        content.CopyTo(expected, 0);
        Assert.Equal(expected, new Span<byte>(_memory, 16384).ToArray());
    }

    [Fact]
    public void MoreSegmentsThanOneSystemCallTakesAreSplit()
    {
        using var dir = new TempDirectory();
        string path = dir.File("file");
        const int Count = ImageFile.MaxVectors + 500;
        File.WriteAllBytes(path, new byte[Count * 512]);
        IoSegment[] segments = new IoSegment[Count];
        for (int i = 0; i < Count; i++)
        {
            segments[i] = new IoSegment((nint)(_memory + (i * 512)), 512);
            segments[i].AsSpan().Fill((byte)(i * 7));
        }

        using (ImageFile file = ImageFile.Open(path, readOnly: false, DiskCacheMode.Writeback))
        {
            file.WriteGathered(0, segments);
        }

        byte[] written = File.ReadAllBytes(path);
        for (int i = 0; i < Count; i++)
        {
            Assert.True(written.AsSpan(i * 512, 512).IndexOfAnyExcept((byte)(i * 7)) < 0, $"segment {i}");
        }
    }

    private IoSegment[] MakeSegments(Random random, bool aligned, out int total)
    {
        int count = random.Next(1, 40);
        var segments = new IoSegment[count];
        int at = 0;
        total = 0;
        for (int i = 0; i < count; i++)
        {
            int length = aligned ? 4096 * random.Next(1, 5) : 512 * random.Next(1, 20);
            at = aligned ? (at + 4095) & ~4095 : at + random.Next(0, 64);
            if (at + length > Arena)
            {
                Array.Resize(ref segments, i);
                break;
            }

            segments[i] = new IoSegment((nint)(_memory + at), length);
            at += length + (aligned ? 4096 * random.Next(0, 2) : 0);
            total += length;
        }

        return segments;
    }

    private static void Fill(IoSegment[] segments, Random random)
    {
        foreach (IoSegment segment in segments)
        {
            random.NextBytes(segment.AsSpan());
        }
    }

    private static byte[] Gather(IoSegment[] segments)
    {
        byte[] bytes = new byte[(int)IoSegment.TotalLength(segments)];
        int at = 0;
        foreach (IoSegment segment in segments)
        {
            segment.AsSpan().CopyTo(bytes.AsSpan(at));
            at += segment.Length;
        }

        return bytes;
    }
}
