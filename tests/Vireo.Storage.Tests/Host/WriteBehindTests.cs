using Vireo.Storage.Host;

namespace Vireo.Storage.Tests.Host;

public sealed class WriteBehindTests
{
    [Fact]
    public void Writeback_starts_once_per_chunk_written_and_only_where_flushes_are_kept()
    {
        using var dir = new TempDirectory();
        byte[] block = new byte[1 << 20];
        new Random(3).NextBytes(block);
        foreach (DiskCacheMode cache in new[] { DiskCacheMode.Writeback, DiskCacheMode.Unsafe, DiskCacheMode.None })
        {
            string path = dir.File($"image.{cache}");
            File.WriteAllBytes(path, []);
            using ImageFile file = ImageFile.Open(path, readOnly: false, cache);
            bool early = cache == DiskCacheMode.Writeback;
            ulong written = 0;
            for (int chunk = 1; chunk <= 2; chunk++)
            {
                // A chunk short by one megabyte starts nothing; its last megabyte starts one writeback.
                WriteUntil(file, block, ref written, (ulong)(chunk * WriteBehind.ChunkBytes) - (ulong)block.Length);
                Thread.Sleep(20);
                Assert.Equal(early ? chunk - 1 : 0, file.WritebackStarts);
                WriteUntil(file, block, ref written, (ulong)(chunk * WriteBehind.ChunkBytes));
                WaitUntil(() => file.WritebackStarts >= (early ? chunk : 0));
            }

            Thread.Sleep(20);
            Assert.Equal(early ? 2 : 0, file.WritebackStarts);

            // The data is intact and a flush still works after the early writeback.
            file.Flush();
            byte[] back = new byte[block.Length];
            file.Read((ulong)WriteBehind.ChunkBytes, back);
            Assert.Equal(block, back);
        }
    }

    [Fact]
    public void Scattered_writes_leave_their_writeback_to_the_flush()
    {
        using var dir = new TempDirectory();
        string path = dir.File("image");
        File.WriteAllBytes(path, []);
        using ImageFile file = ImageFile.Open(path, readOnly: false, DiskCacheMode.Writeback);
        byte[] page = new byte[4096];
        new Random(4).NextBytes(page);

        // A chunk of 4 KiB writes, one per 16 KiB (spread over four times its size): skipped, not started.
        ulong pages = (ulong)WriteBehind.ChunkBytes / 4096;
        for (ulong i = 0; i < pages; i++)
        {
            file.Write(i * 16384, page);
        }

        Assert.Equal(1, file.WritebackSkips);

        // A chunk of the same writes one per 8 KiB (twice its size) still counts as a stream: started.
        for (ulong i = 0; i < pages; i++)
        {
            file.Write((1UL << 30) + (i * 8192), page);
        }

        WaitUntil(() => file.WritebackStarts >= 1);
        Assert.Equal(1, file.WritebackSkips);

        // A stream of 1 MiB writes with a small write far away (a qcow2 image's metadata) is still a stream.
        byte[] block = new byte[1 << 20];
        file.Write(4096, page);
        for (ulong i = 0; i < 4; i++)
        {
            file.Write((2UL << 30) + (i << 20), block);
        }

        WaitUntil(() => file.WritebackStarts >= 2);
        Assert.Equal(1, file.WritebackSkips);
        byte[] back = new byte[4096];
        file.Read(16384 * 7, back);
        Assert.Equal(page, back);
    }

    [Fact]
    public void Starting_writeback_takes_a_real_file_and_refuses_a_closed_one_without_throwing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("file");
        File.WriteAllBytes(path, new byte[1 << 16]);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.Write(handle, new byte[4096], 0);
        Assert.True(HostFile.TryStartWriteback(handle, 0, 1 << 16));
        Assert.False(HostFile.TryStartWriteback(handle, 0, 0));
        handle.Dispose();
        Assert.False(HostFile.TryStartWriteback(handle, 0, 1 << 16));
    }

    private static void WriteUntil(ImageFile file, byte[] block, ref ulong written, ulong end)
    {
        for (; written < end; written += (ulong)block.Length)
        {
            file.Write(written, block);
        }
    }

    private static void WaitUntil(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            Thread.Sleep(5);
        }
    }
}
