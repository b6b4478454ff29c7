using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Vireo.Storage.Host;

namespace Vireo.Storage.Qcow2;

/// <summary>Scattered reads and gathered writes: one host transfer for a request when the clusters allow it.</summary>
public sealed partial class Qcow2Image
{
    /// <summary>Most clusters one fresh-cluster write takes at once (its bookkeeping lives on the stack).</summary>
    private const ulong MaxFreshClusters = 512;

    /// <summary>Gathered writes that allocated all their clusters at once (tests).</summary>
    internal long FreshClusterWrites { get; private set; }

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

        if (!TryWriteFreshClusters(offset, total, segments))
        {
            WriteGatheredByCluster(offset, total, segments);
        }
    }

    /// <summary>
    /// A write of whole clusters none of which has a host cluster yet (an image being filled for the first time): the
    /// clusters are allocated together under the exclusive lock (the reservations hand them out in file order, so they
    /// are normally contiguous); the guest's buffers then go to them without the lock, one pwritev per host-contiguous
    /// run, so other requests copy in parallel; last, under the lock again, their L2 entries are written, one write per
    /// run of entries. Until then the range is in flight: other writers of it wait, readers see its old contents. The
    /// cluster-by-cluster path copied every cluster twice and made two host writes per cluster. False, having changed
    /// nothing, when the range does not qualify.
    /// </summary>
    private bool TryWriteFreshClusters(ulong offset, ulong total, ReadOnlySpan<IoSegment> segments)
    {
        ulong count = total >> _clusterBits;
        if (((offset | total) & _clusterMask) != 0 || count > MaxFreshClusters)
        {
            return false;
        }

        Span<ulong> hosts = stackalloc ulong[(int)count];
        if (!TryAllocateFresh(offset, total, hosts))
        {
            return false;
        }

        bool written = false;
        try
        {
            WriteFreshData(hosts, segments);
            written = true;
        }
        finally
        {
            _lock.EnterWriteLock();
            try
            {
                if (written)
                {
                    SetFreshL2Entries(offset, hosts);
                    FreshClusterWrites++;
                }
                else
                {
                    // Nothing points at them yet: give them back rather than leak them.
                    foreach (ulong host in hosts)
                    {
                        ReleaseCluster(host >> _clusterBits);
                    }
                }
            }
            finally
            {
                _lock.ExitWriteLock();
                RemoveFreshInFlight(offset);
            }
        }

        return true;
    }

    /// <summary>
    /// Under the exclusive lock: checks that every cluster of the range is unallocated or plain zero (nothing to copy or
    /// release, the guest overwrites all of them), allocates their L2 tables and then their data clusters into
    /// <paramref name="hosts"/>, and marks the range in flight. False, having changed nothing, when a cluster has data.
    /// </summary>
    private bool TryAllocateFresh(ulong offset, ulong total, Span<ulong> hosts)
    {
        EnterWriteLockClearOf(offset, total);
        try
        {
            for (int i = 0; i < hosts.Length; i++)
            {
                ulong entry = LookupEntry(offset + ((ulong)i << _clusterBits));
                if ((entry & (Qcow2Entry.OffsetMask | Qcow2Entry.Compressed)) != 0)
                {
                    return false;
                }
            }

            // The L2 tables first (a new one takes a cluster), so the data clusters that follow are contiguous.
            for (int i = 0; i < hosts.Length; i++)
            {
                GetL2ForWrite(offset + ((ulong)i << _clusterBits));
            }

            for (int i = 0; i < hosts.Length; i++)
            {
                hosts[i] = AllocateCluster() << _clusterBits;
                CheckWriteTarget(hosts[i], _clusterSize, Qcow2Section.Data);
                _fileLength = Math.Max(_fileLength, hosts[i] + _clusterSize);
            }

            AddFreshInFlight(offset, total);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Writes the request's buffers to its fresh clusters: one pwritev per host-contiguous run. No lock held.</summary>
    private void WriteFreshData(ReadOnlySpan<ulong> hosts, ReadOnlySpan<IoSegment> segments)
    {
        IoSegment[] part = ArrayPool<IoSegment>.Shared.Rent(segments.Length + hosts.Length);
        try
        {
            var cursor = new SegmentCursor(segments);
            for (int first = 0; first < hosts.Length;)
            {
                int run = 1;
                while (first + run < hosts.Length && hosts[first + run] == hosts[first] + ((ulong)run << _clusterBits))
                {
                    run++;
                }

                int taken = cursor.Take(run << _clusterBits, part);
                _file.WriteGathered(hosts[first], part.AsSpan(0, taken));
                first += run;
            }
        }
        finally
        {
            ArrayPool<IoSegment>.Shared.Return(part);
        }
    }

    /// <summary>Points the L2 entries of the clusters from <paramref name="offset"/> at <paramref name="hosts"/>: one write per run of entries in one table.</summary>
    private void SetFreshL2Entries(ulong offset, ReadOnlySpan<ulong> hosts)
    {
        Span<byte> bytes = stackalloc byte[8 * hosts.Length];
        for (int first = 0; first < hosts.Length;)
        {
            ulong at = offset + ((ulong)first << _clusterBits);
            (ulong[] table, ulong tableOffset) = GetL2ForWrite(at);
            int index = L2Index(at);
            int run = Math.Min(hosts.Length - first, table.Length - index);
            if (_file.Cache == DiskCacheMode.None)
            {
                // O_DIRECT wants whole aligned blocks: the per-entry path writes them from the cached table.
                for (int i = 0; i < run; i++)
                {
                    SetL2Entry(table, tableOffset, index + i, hosts[first + i] | Qcow2Entry.Copied);
                }
            }
            else
            {
                for (int i = 0; i < run; i++)
                {
                    table[index + i] = hosts[first + i] | Qcow2Entry.Copied;
                    BinaryPrimitives.WriteUInt64BigEndian(bytes[(i * 8)..], table[index + i]);
                }

                WriteHost(tableOffset + ((ulong)index * 8), bytes[..(run * 8)], Qcow2Section.L2Table);
            }

            first += run;
        }
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
