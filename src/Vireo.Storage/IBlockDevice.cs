namespace Vireo.Storage;

/// <summary>
/// A disk as a virtual block device sees it: a byte-addressed virtual disk of <see cref="Length"/> bytes, whatever
/// the image format behind it. Implementations are safe for concurrent requests from several I/O threads.
/// </summary>
/// <remarks>
/// Errors in the image (corruption, I/O failure) surface as <see cref="IOException"/> or
/// <see cref="InvalidDataException"/> on the request that met them; the virtio device turns them into a guest I/O
/// error. A request never reads or writes outside the image's own file(s).
/// </remarks>
public interface IBlockDevice : IDisposable
{
    /// <summary>Virtual size in bytes (a multiple of 512).</summary>
    ulong Length { get; }

    /// <summary>True when writes, discards and write-zeroes are refused.</summary>
    bool IsReadOnly { get; }

    /// <summary>Reads <c>destination.Length</c> bytes at <paramref name="offset"/>; unallocated areas read as zero.</summary>
    void Read(ulong offset, Span<byte> destination);

    /// <summary>Writes <paramref name="source"/> at <paramref name="offset"/>.</summary>
    void Write(ulong offset, ReadOnlySpan<byte> source);

    /// <summary>
    /// Reads consecutive bytes from <paramref name="offset"/> into <paramref name="segments"/>, one after the other
    /// (scatter). Back-ends override it to move a whole request in one host call; this default reads segment by
    /// segment.
    /// </summary>
    void ReadScattered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        foreach (IoSegment segment in segments)
        {
            Read(offset, segment.AsSpan());
            offset += (ulong)segment.Length;
        }
    }

    /// <summary>Writes <paramref name="segments"/> one after the other from <paramref name="offset"/> (gather); see <see cref="ReadScattered"/>.</summary>
    void WriteGathered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        foreach (IoSegment segment in segments)
        {
            Write(offset, segment.AsSpan());
            offset += (ulong)segment.Length;
        }
    }

    /// <summary>Makes every completed write durable (fsync of all files involved) before returning.</summary>
    void Flush();

    /// <summary>Tells the image the range is no longer used; it may free the space. Reads of it afterwards return zeroes.</summary>
    void Discard(ulong offset, ulong length);

    /// <summary>Makes the range read as zeroes, deallocating where the format allows.</summary>
    void WriteZeroes(ulong offset, ulong length);
}
