namespace Vireo.Storage;

/// <summary>Walks a scatter-gather list in byte runs, cutting segments where a run ends inside one.</summary>
internal ref struct SegmentCursor
{
    private readonly ReadOnlySpan<IoSegment> _segments;
    private int _index;
    private int _skip;

    public SegmentCursor(ReadOnlySpan<IoSegment> segments)
    {
        _segments = segments;
    }

    /// <summary>
    /// Writes into <paramref name="destination"/> the segments covering the next <paramref name="length"/> bytes and
    /// returns how many; the cursor moves past them. The list must hold that many bytes.
    /// </summary>
    public int Take(int length, Span<IoSegment> destination)
    {
        int count = 0;
        while (length > 0)
        {
            IoSegment piece = Next(length);
            destination[count++] = piece;
            length -= piece.Length;
        }

        return count;
    }

    /// <summary>Copies the next <paramref name="length"/> bytes of the list into <paramref name="destination"/>; the cursor moves past them.</summary>
    public void CopyTo(int length, Span<byte> destination)
    {
        int filled = 0;
        while (filled < length)
        {
            IoSegment piece = Next(length - filled);
            piece.AsSpan().CopyTo(destination[filled..]);
            filled += piece.Length;
        }
    }

    /// <summary>The next piece of at most <paramref name="length"/> bytes (the rest of the current segment or less).</summary>
    private IoSegment Next(int length)
    {
        IoSegment segment = _segments[_index];
        int take = Math.Min(segment.Length - _skip, length);
        var piece = new IoSegment(segment.Address + _skip, take);
        _skip += take;
        if (_skip == segment.Length)
        {
            _index++;
            _skip = 0;
        }

        return piece;
    }
}
