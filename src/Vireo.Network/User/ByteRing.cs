namespace Vireo.Network.User;

/// <summary>
/// A fixed-capacity byte FIFO. The stack's TCP send and receive buffers use it so that data is never reallocated
/// while a host socket operation reads from or writes into it.
/// </summary>
internal sealed class ByteRing
{
    private readonly byte[] _buffer;
    private int _head;

    public ByteRing(int capacity)
    {
        _buffer = new byte[capacity];
    }

    public int Count { get; private set; }

    public int Capacity => _buffer.Length;

    public int Free => _buffer.Length - Count;

    /// <summary>Appends as much of <paramref name="data"/> as fits; returns the number of bytes taken.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Free);
        int tail = (_head + Count) % _buffer.Length;
        int first = Math.Min(n, _buffer.Length - tail);
        data[..first].CopyTo(_buffer.AsSpan(tail));
        data[first..n].CopyTo(_buffer);
        Count += n;
        return n;
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes starting <paramref name="offset"/> bytes in.</summary>
    public void CopyTo(int offset, Span<byte> destination)
    {
        int start = (_head + offset) % _buffer.Length;
        int first = Math.Min(destination.Length, _buffer.Length - start);
        _buffer.AsSpan(start, first).CopyTo(destination);
        _buffer.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }

    /// <summary>The longest contiguous run of stored bytes from the head (for a host socket send).</summary>
    public Memory<byte> ReadableSegment() => _buffer.AsMemory(_head, Math.Min(Count, _buffer.Length - _head));

    /// <summary>The longest contiguous run of free space after the tail (for a host socket receive).</summary>
    public Memory<byte> WritableSegment()
    {
        int tail = (_head + Count) % _buffer.Length;
        int length = tail >= _head && Count < _buffer.Length ? _buffer.Length - tail : Free;
        return _buffer.AsMemory(tail, length);
    }

    /// <summary>Marks <paramref name="n"/> bytes written directly into <see cref="WritableSegment"/> as stored.</summary>
    public void Commit(int n) => Count += n;

    public void Drop(int n)
    {
        _head = (_head + n) % _buffer.Length;
        // The head is never reset to 0 when empty: a host socket may be receiving into the free space right now.
        Count -= n;
    }
}
