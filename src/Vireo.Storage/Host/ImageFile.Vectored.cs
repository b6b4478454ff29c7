using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vireo.Storage.Host;

/// <summary>Vectored transfers: a whole request's buffers in one preadv/pwritev.</summary>
internal sealed unsafe partial class ImageFile
{
    /// <summary>
    /// Reads consecutive bytes at <paramref name="offset"/> into <paramref name="segments"/> with one preadv per
    /// <see cref="MaxVectors"/> segments; what lies past the end of the file reads as zero.
    /// </summary>
    public void ReadScattered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        if (_blockLock is not null && !IsAligned(offset, segments))
        {
            foreach (IoSegment segment in segments)
            {
                Read(offset, segment.AsSpan());
                offset += (ulong)segment.Length;
            }

            return;
        }

        TransferVectors(offset, segments, write: false, limit: 0);
    }

    /// <summary>
    /// Writes <paramref name="segments"/> one after the other at <paramref name="offset"/> with one pwritev per
    /// <see cref="MaxVectors"/> segments, or, through the page cache into a range it does not hold, per
    /// <see cref="BufferedWriteBytes"/>.
    /// </summary>
    public void WriteGathered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        if (_blockLock is null)
        {
            ulong total = IoSegment.TotalLength(segments);
            nuint limit = 0;
            if (total > BufferedWriteBytes && !IsCached(offset, total))
            {
                limit = BufferedWriteBytes;
                Interlocked.Increment(ref _piecewiseWrites);
            }

            TransferVectors(offset, segments, write: true, limit);
            _writeBehind?.Written(offset, total);
            return;
        }

        if (!IsAligned(offset, segments))
        {
            foreach (IoSegment segment in segments)
            {
                Write(offset, segment.AsSpan());
                offset += (ulong)segment.Length;
            }

            return;
        }

        _blockLock.EnterReadLock();
        try
        {
            TransferVectors(offset, segments, write: true, limit: 0);
        }
        finally
        {
            _blockLock.ExitReadLock();
        }
    }

    private static bool IsAligned(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        ulong bits = offset;
        foreach (IoSegment segment in segments)
        {
            bits |= (ulong)segment.Address | (uint)segment.Length;
        }

        return (bits & AlignMask) == 0;
    }

    /// <summary>
    /// True when the host page cache holds every page of the range, or when the host cannot tell (see
    /// <see cref="BufferedWriteBytes"/>).
    /// </summary>
    private bool IsCached(ulong offset, ulong length)
    {
        if (_noCacheStat)
        {
            return true;
        }

        if (!HostFile.TryCountCachedPages(Handle, (long)offset, (long)length, out long cached, out long pages))
        {
            _noCacheStat = true;
            return true;
        }

        return cached >= pages;
    }

    /// <summary>
    /// Moves the bytes of <paramref name="segments"/> at <paramref name="offset"/>, at most <paramref name="limit"/>
    /// bytes per call when it is not zero.
    /// </summary>
    private void TransferVectors(ulong offset, ReadOnlySpan<IoSegment> segments, bool write, nuint limit)
    {
        while (!segments.IsEmpty)
        {
            int count = Math.Min(segments.Length, MaxVectors);
            if (!TransferChunk(offset, segments[..count], write, limit))
            {
                // End of file while reading: the rest reads as a hole.
                foreach (IoSegment segment in segments[count..])
                {
                    segment.AsSpan().Clear();
                }

                return;
            }

            offset += IoSegment.TotalLength(segments[..count]);
            segments = segments[count..];
        }
    }

    /// <summary>
    /// Moves up to <see cref="MaxVectors"/> segments, at most <paramref name="limit"/> bytes per call when it is not
    /// zero; false when a read met the end of the file (the rest of these segments zeroed).
    /// </summary>
    private bool TransferChunk(ulong offset, ReadOnlySpan<IoSegment> segments, bool write, nuint limit)
    {
        int count = segments.Length;
        HostFile.IoVec* vectors = stackalloc HostFile.IoVec[count];
        for (int i = 0; i < count; i++)
        {
            vectors[i].Base = segments[i].Address;
            vectors[i].Length = (nuint)segments[i].Length;
        }

        int first = 0;
        while (first < count)
        {
            int batch = count - first;
            nuint cut = 0;
            if (limit != 0)
            {
                batch = BatchWithin(vectors + first, batch, limit, out cut);
            }

            long n = HostFile.TransferVector(Handle, vectors + first, batch, (long)offset, write);
            if (cut != 0)
            {
                vectors[first].Length = cut;
            }

            if (n < 0 || (n == 0 && write))
            {
                ThrowTransferFailed(offset, write, n < 0 ? Marshal.GetLastPInvokeError() : 0);
            }

            // A read that returned nothing, or (O_DIRECT) stopped on an unaligned count, met the end of the file.
            bool endOfFile = !write && (n == 0 || (_blockLock is not null && ((ulong)n & AlignMask) != 0));
            offset += (ulong)n;
            while (n > 0 && first < count)
            {
                if ((ulong)n >= vectors[first].Length)
                {
                    n -= (long)vectors[first].Length;
                    first++;
                }
                else
                {
                    vectors[first].Base += (nint)n;
                    vectors[first].Length -= (nuint)n;
                    n = 0;
                }
            }

            if (endOfFile && first < count)
            {
                for (int i = first; i < count; i++)
                {
                    new Span<byte>((void*)vectors[i].Base, (int)vectors[i].Length).Clear();
                }

                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// How many of the <paramref name="count"/> vectors at <paramref name="vectors"/> one transfer of at most
    /// <paramref name="limit"/> bytes takes: the leading vectors that fit whole, or else the first one shortened to
    /// <paramref name="limit"/>, its real length returned in <paramref name="cut"/> to be put back after the transfer
    /// (zero when nothing was shortened).
    /// </summary>
    private static int BatchWithin(HostFile.IoVec* vectors, int count, nuint limit, out nuint cut)
    {
        cut = 0;
        nuint bytes = 0;
        int taken = 0;
        while (taken < count && vectors[taken].Length <= limit - bytes)
        {
            bytes += vectors[taken].Length;
            taken++;
        }

        if (taken > 0)
        {
            return taken;
        }

        cut = vectors[0].Length;
        vectors[0].Length = limit;
        return 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTransferFailed(ulong offset, bool write, int errno) =>
        throw new IOException($"{(write ? "write" : "read")} at {offset} failed: {(errno != 0 ? Marshal.GetPInvokeErrorMessage(errno) : "no progress")}");
}
