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

        TransferVectors(offset, segments, write: false);
    }

    /// <summary>Writes <paramref name="segments"/> one after the other at <paramref name="offset"/> with one pwritev per <see cref="MaxVectors"/> segments.</summary>
    public void WriteGathered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        if (_blockLock is null)
        {
            TransferVectors(offset, segments, write: true);
            _writeBehind?.Written(offset, IoSegment.TotalLength(segments));
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
            TransferVectors(offset, segments, write: true);
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

    private void TransferVectors(ulong offset, ReadOnlySpan<IoSegment> segments, bool write)
    {
        while (!segments.IsEmpty)
        {
            int count = Math.Min(segments.Length, MaxVectors);
            if (!TransferChunk(offset, segments[..count], write))
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

    /// <summary>Moves up to <see cref="MaxVectors"/> segments; false when a read met the end of the file (the rest of these segments zeroed).</summary>
    private bool TransferChunk(ulong offset, ReadOnlySpan<IoSegment> segments, bool write)
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
            long n = HostFile.TransferVector(Handle, vectors + first, count - first, (long)offset, write);
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTransferFailed(ulong offset, bool write, int errno) =>
        throw new IOException($"{(write ? "write" : "read")} at {offset} failed: {(errno != 0 ? Marshal.GetPInvokeErrorMessage(errno) : "no progress")}");
}
