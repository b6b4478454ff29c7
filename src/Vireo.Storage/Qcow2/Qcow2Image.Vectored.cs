using System.Buffers;
using System.Runtime.InteropServices;
using Vireo.Storage.Host;

namespace Vireo.Storage.Qcow2;

/// <summary>Scattered reads and gathered writes: one host transfer for a request when the clusters allow it.</summary>
public sealed partial class Qcow2Image
{
    /// <inheritdoc/>
    /// <remarks>One preadv per run of host-contiguous allocated clusters (one for a whole request on an image written
    /// sequentially, a few where concurrent writes interleaved the allocations); anything else (unallocated, zero,
    /// compressed or backing-file clusters) through <see cref="Read"/>, a cluster at a time.</remarks>
    public void ReadScattered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        ulong total = IoSegment.TotalLength(segments);
        CheckRange(offset, total);
        if (total == 0)
        {
            return;
        }

        // The common case, an image written sequentially: the whole request is one host-contiguous run.
        _lock.EnterReadLock();
        try
        {
            if (total <= int.MaxValue && RunLength(offset, (int)total, LookupEntry(offset), out ulong host) == (int)total)
            {
                _file.ReadScattered(host, segments);
                return;
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        ReadScatteredByRun(offset, total, segments);
    }

    /// <summary>The general case of <see cref="ReadScattered"/>: one preadv per host-contiguous run, the list cut at run ends.</summary>
    private void ReadScatteredByRun(ulong offset, ulong total, ReadOnlySpan<IoSegment> segments)
    {
        IoSegment[] part = ArrayPool<IoSegment>.Shared.Rent(segments.Length);
        try
        {
            var cursor = new SegmentCursor(segments);
            ulong end = offset + total;
            while (offset < end)
            {
                int max = (int)Math.Min(end - offset, int.MaxValue);
                int run;
                _lock.EnterReadLock();
                try
                {
                    // The mapping must not change between the lookup and the read of the clusters it names.
                    run = RunLength(offset, max, LookupEntry(offset), out ulong host);
                    if (run > 0)
                    {
                        _file.ReadScattered(host, part.AsSpan(0, cursor.Take(run, part)));
                    }
                }
                finally
                {
                    _lock.ExitReadLock();
                }

                if (run == 0)
                {
                    run = ChunkAt(offset, max);
                    int count = cursor.Take(run, part);
                    ulong at = offset;
                    for (int i = 0; i < count; i++)
                    {
                        Read(at, part[i].AsSpan());
                        at += (ulong)part[i].Length;
                    }
                }

                offset += (ulong)run;
            }
        }
        finally
        {
            ArrayPool<IoSegment>.Shared.Return(part);
        }
    }

    /// <inheritdoc/>
    /// <remarks>One pwritev when every cluster of the range is allocated, writable in place and host-contiguous;
    /// otherwise (allocation, copy-on-write from a backing file) segment by segment.</remarks>
    public void WriteGathered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        CheckWritable();
        ulong total = IoSegment.TotalLength(segments);
        CheckRange(offset, total);
        if (total == 0)
        {
            return;
        }

        _lock.EnterReadLock();
        try
        {
            if (total <= int.MaxValue && IsContiguousInPlace(offset, (int)total, out ulong host))
            {
                _file.WriteGathered(host, segments);
                return;
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        WriteGatheredByCluster(offset, total, segments);
    }

    /// <summary>
    /// The slow path of a gathered write (allocation, copy-on-write): the pieces of each cluster are collected in one
    /// buffer and written with one <see cref="Write"/>, so a new cluster is allocated and filled once instead of once
    /// per guest page.
    /// </summary>
    private unsafe void WriteGatheredByCluster(ulong offset, ulong total, ReadOnlySpan<IoSegment> segments)
    {
        // Aligned unmanaged memory, so that with O_DIRECT the file does not bounce it a second time.
        byte* memory = (byte*)NativeMemory.AlignedAlloc((nuint)_clusterSize, ImageFile.DirectAlignment);
        try
        {
            var bounce = new Span<byte>(memory, (int)_clusterSize);
            var cursor = new SegmentCursor(segments);
            ulong end = offset + total;
            while (offset < end)
            {
                int chunk = ChunkAt(offset, (int)Math.Min(end - offset, int.MaxValue));
                cursor.CopyTo(chunk, bounce);
                Write(offset, bounce[..chunk]);
                offset += (ulong)chunk;
            }
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    private bool IsContiguousInPlace(ulong offset, int length, out ulong host)
    {
        host = 0;
        return IsRangeInPlaceWritable(offset, length) && RunLength(offset, length, LookupEntry(offset), out host) == length;
    }
}
