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
            IoSegment segment = _segments[_index];
            int take = Math.Min(segment.Length - _skip, length);
            destination[count++] = new IoSegment(segment.Address + _skip, take);
            length -= take;
            _skip += take;
            if (_skip == segment.Length)
            {
                _index++;
                _skip = 0;
            }
        }

        return count;
    }
}
