using System.Globalization;
using System.Runtime.InteropServices;
using Vireo.Storage.Host;

namespace Vireo.Storage.Tests.Host;

public sealed class ImageFileTests
{
    private const int ODirect = 0x4000; // x86-64 and riscv64 value; the fdinfo check below runs on those hosts

    [Theory]
    [InlineData(DiskCacheMode.Writeback)]
    [InlineData(DiskCacheMode.None)]
    [InlineData(DiskCacheMode.Unsafe)]
    public void UnalignedAndAlignedTransfersMatchAModelAndNeverGrowTheFile(DiskCacheMode cache)
    {
        using var dir = new TempDirectory();
        string path = dir.File("file");
        const int Size = (64 << 10) + 512; // a partial last 4 KiB block, like a raw image of odd size
        File.WriteAllBytes(path, new byte[Size]);
        byte[] model = new byte[Size];
        var random = new Random((int)cache + 5);
        using (ImageFile file = ImageFile.Open(path, readOnly: false, cache))
        {
            byte[] buffer = new byte[20064];
            for (int i = 0; i < 2000; i++)
            {
                int length = random.Next(1, 20000);
                int offset = random.Next(0, Size - length + 1);
                if (random.Next(3) == 0)
                {
                    // Whole aligned blocks: the direct path with no bounce buffer (when the memory is aligned too).
                    offset &= ~4095;
                    length = Math.Max(4096, length & ~4095);
                    length = Math.Min(length, (Size & ~4095) - offset);
                    if (length <= 0)
                    {
                        continue;
                    }
                }

                Span<byte> span = buffer.AsSpan(random.Next(0, 3) == 0 ? 0 : random.Next(1, 64), length);
                if (random.Next(2) == 0)
                {
                    random.NextBytes(span);
                    file.Write((ulong)offset, span);
                    span.CopyTo(model.AsSpan(offset));
                }
                else
                {
                    file.Read((ulong)offset, span);
                    Assert.True(span.SequenceEqual(model.AsSpan(offset, length)), $"op {i}: read at {offset} (+{length}) differs");
                }
            }

            // The very last bytes: a read-modify-write of the partial tail block must not extend the file.
            file.Write(Size - 100, new byte[100]);
            model.AsSpan(Size - 100).Clear();
            Assert.Equal((ulong)Size, file.Length);

            // Past the end reads as a hole.
            byte[] beyond = [1, 2, 3, 4, 5, 6, 7, 8];
            file.Read(Size - 4, beyond);
            Assert.Equal(new byte[8], beyond);
            file.Flush();
        }

        Assert.Equal(model, File.ReadAllBytes(path));
    }

    [Fact]
    public void AlignedTransfersFromUnmanagedMemoryGoDirectAndAppendsExtendTheFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("file");
        File.WriteAllBytes(path, []);
        unsafe
        {
            byte* memory = (byte*)NativeMemory.AlignedAlloc(3 * 4096, 4096);
            try
            {
                var span = new Span<byte>(memory, 3 * 4096);
                new Random(9).NextBytes(span);
                byte[] expected = span.ToArray();
                using (ImageFile file = ImageFile.Open(path, readOnly: false, DiskCacheMode.None))
                {
                    file.Write(8192, span);
                    Assert.Equal(5UL * 4096, file.Length);
                    span.Clear();
                    file.Read(8192, span);
                    Assert.Equal(expected, span.ToArray());

                    // An unaligned append grows the file to exactly its end, not to the padded block.
                    file.Write((5 * 4096) + 10, [7, 7, 7]);
                    Assert.Equal((5UL * 4096) + 13, file.Length);
                }

                byte[] content = File.ReadAllBytes(path);
                Assert.Equal(expected, content.AsSpan(8192, 3 * 4096).ToArray());
                Assert.Equal(new byte[] { 0, 7, 7, 7 }, content.AsSpan((5 * 4096) + 9).ToArray());
            }
            finally
            {
                NativeMemory.AlignedFree(memory);
            }
        }
    }

    [Fact]
    public void ConcurrentUnalignedWritesIntoTheSameBlocksLoseNothing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("file");
        const int Sectors = 16;
        const int Threads = 4;
        const int Rounds = 300;
        File.WriteAllBytes(path, new byte[Sectors * 512]);
        using ImageFile file = ImageFile.Open(path, readOnly: false, DiskCacheMode.None);
        byte[] content = new byte[Sectors * 512];
        string? failure = null;
        int round = 0;

        // Each thread owns every fourth 512-byte sector, so every 4 KiB block is a read-modify-write raced by all
        // threads; only the block lock keeps one from writing back another's stale sector. The barrier starts each
        // round on all threads at once and checks the file between rounds.
        using var barrier = new Barrier(Threads, _ =>
        {
            file.Read(0, content);
            for (int s = 0; s < Sectors && failure is null; s++)
            {
                if (content.AsSpan(s * 512, 512).IndexOfAnyExcept((byte)(round + s)) >= 0)
                {
                    failure = $"round {round}: sector {s} lost its write";
                }
            }

            round++;
        });
        Thread[] threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int owner = t;
            threads[t] = new Thread(() =>
            {
                byte[] sector = new byte[512];
                for (int r = 0; r < Rounds; r++)
                {
                    for (int s = owner; s < Sectors; s += Threads)
                    {
                        sector.AsSpan().Fill((byte)(r + s));
                        file.Write((ulong)s * 512, sector);
                    }

                    barrier.SignalAndWait();
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(Rounds, round);
        Assert.Null(failure);
    }

    [Fact]
    public void CacheNoneOpensTheFileWithODirectAndWritebackDoesNot()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.RiscV64))
        {
            return; // the O_DIRECT bit has another value elsewhere
        }

        using var dir = new TempDirectory();
        string path = dir.File("file");
        File.WriteAllBytes(path, new byte[8192]);
        using (ImageFile direct = ImageFile.Open(path, readOnly: true, DiskCacheMode.None))
        {
            Assert.NotEqual(0, OpenFlags(direct) & ODirect);
        }

        using ImageFile cached = ImageFile.Open(path, readOnly: true, DiskCacheMode.Writeback);
        Assert.Equal(0, OpenFlags(cached) & ODirect);
    }

    [Fact]
    public void ADirectWriterLocksOutASecondWriter()
    {
        using var dir = new TempDirectory();
        string path = dir.File("file");
        File.WriteAllBytes(path, new byte[4096]);
        using ImageFile first = ImageFile.Open(path, readOnly: false, DiskCacheMode.None);
        Assert.Contains("in use", Assert.Throws<IOException>(() => ImageFile.Open(path, readOnly: false, DiskCacheMode.None)).Message, StringComparison.Ordinal);
        Assert.ThrowsAny<IOException>(() => ImageFile.Open(path, readOnly: false, DiskCacheMode.Writeback));
    }

    [Theory]
    [InlineData(DiskCacheMode.None)]
    [InlineData(DiskCacheMode.Writeback)]
    public void AnOpenWaitsOutALockReleasedWithinMoments(DiskCacheMode cache)
    {
        // What a child process started between a close and a reopen does: hold the lock until its exec.
        using var dir = new TempDirectory();
        string path = dir.File("file");
        File.WriteAllBytes(path, new byte[4096]);
        ImageFile holder = ImageFile.Open(path, readOnly: false, DiskCacheMode.None);
        var release = new Thread(() =>
        {
            Thread.Sleep(100);
            holder.Dispose();
        });
        release.Start();
        using ImageFile reopened = ImageFile.Open(path, readOnly: false, cache);
        release.Join();
        Assert.Equal(4096UL, reopened.Length);
    }

    [Theory]
    [InlineData(DiskCacheMode.Writeback)]
    [InlineData(DiskCacheMode.Unsafe)]
    [InlineData(DiskCacheMode.None)]
    public void ALargeWriteIntoUncachedRangeGoesInPiecesAndLandsIntact(DiskCacheMode cache)
    {
        using var dir = new TempDirectory();
        string path = dir.File("file");
        File.WriteAllBytes(path, []);
        unsafe
        {
            // One segment four times the piece size, then 4 KiB-aligned segments of uneven sizes that straddle pieces.
            int[] lengths = [1 << 20, 20 << 12, 4096, 30 << 12, 12 << 12];
            int total = lengths.Sum();
            byte* memory = (byte*)NativeMemory.AlignedAlloc((nuint)total, 4096);
            try
            {
                var data = new Span<byte>(memory, total);
                new Random(21).NextBytes(data);
                var segments = new IoSegment[lengths.Length];
                int at = 0;
                for (int i = 0; i < lengths.Length; i++)
                {
                    segments[i] = new IoSegment((nint)(memory + at), lengths[i]);
                    at += lengths[i];
                }

                using ImageFile file = ImageFile.Open(path, readOnly: false, cache);
                bool cacheStat = HostFile.TryCountCachedPages(file.Handle, 0, total, out long cached, out long pages);
                Assert.Equal((total + 4095) / 4096, pages);
                Assert.True(!cacheStat || cached == 0, $"{cached} pages of a new empty file cached");
                file.WriteGathered(4096, segments);

                // Through the page cache the write went in pieces (where the host can tell what it holds); O_DIRECT never.
                long expected = cache != DiskCacheMode.None && cacheStat ? 1 : 0;
                Assert.Equal(expected, file.PiecewiseWrites);
                if (cache != DiskCacheMode.None && cacheStat)
                {
                    Assert.True(HostFile.TryCountCachedPages(file.Handle, 4096, total, out cached, out _));
                    Assert.Equal(pages, cached);
                }

                // Written again, the range is cached now: one call for the whole write.
                file.WriteGathered(4096, segments);
                Assert.Equal(expected, file.PiecewiseWrites);

                byte[] back = new byte[total];
                file.Read(4096, back);
                Assert.True(data.SequenceEqual(back), "the data read back differs from what was written");
                Assert.Equal((ulong)(4096 + total), file.Length);
            }
            finally
            {
                NativeMemory.AlignedFree(memory);
            }
        }
    }

    private static int OpenFlags(ImageFile file)
    {
        int fd = (int)file.Handle.DangerousGetHandle();
        string flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return Convert.ToInt32(flags["flags:".Length..].Trim(), 8);
    }
}
