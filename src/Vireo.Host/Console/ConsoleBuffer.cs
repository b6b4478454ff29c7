namespace Vireo.Host.Console;

/// <summary>
/// The last <see cref="Capacity"/> bytes a VM's console printed, with any number of readers following it. Bytes are
/// numbered from the VM's creation (a position), so a reader that falls more than a buffer behind skips ahead and is
/// told how much it lost, and the writer (a hart or device thread) never waits for a reader.
/// </summary>
public sealed class ConsoleBuffer
{
    private readonly byte[] _ring;
    private readonly Lock _lock = new();
    private long _written;
    private TaskCompletionSource? _waiters;

    /// <summary>Creates a buffer holding the last <paramref name="capacity"/> bytes.</summary>
    public ConsoleBuffer(int capacity = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 16);
        _ring = new byte[capacity];
    }

    /// <summary>Bytes kept.</summary>
    public int Capacity => _ring.Length;

    /// <summary>Position after the last byte written (bytes written since creation).</summary>
    public long Position
    {
        get
        {
            lock (_lock)
            {
                return _written;
            }
        }
    }

    /// <summary>Appends console output (any thread; never blocks on readers).</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (bytes.Length > _ring.Length)
            {
                _written += bytes.Length - _ring.Length;
                bytes = bytes[^_ring.Length..];
            }

            int start = (int)(_written % _ring.Length);
            int first = Math.Min(bytes.Length, _ring.Length - start);
            bytes[..first].CopyTo(_ring.AsSpan(start));
            bytes[first..].CopyTo(_ring);
            _written += bytes.Length;
            wake = _waiters;
            _waiters = null;
        }

        wake?.TrySetResult();
    }

    /// <summary>The last <paramref name="maxBytes"/> bytes kept (fewer when less was written).</summary>
    public byte[] Tail(int maxBytes)
    {
        lock (_lock)
        {
            long available = Math.Min(_written, _ring.Length);
            int count = (int)Math.Min(available, Math.Max(0, maxBytes));
            byte[] result = new byte[count];
            CopyOut(_written - count, result);
            return result;
        }
    }

    /// <summary>
    /// Copies bytes from <paramref name="position"/> on into <paramref name="destination"/>, waiting until at least one
    /// is there. Returns the count, the position after them and, when the reader had fallen behind the buffer, how
    /// many bytes it missed (Lost).
    /// </summary>
    public async ValueTask<(int Count, long Next, long Lost)> ReadAsync(long position, Memory<byte> destination, CancellationToken cancellation)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                long oldest = _written - Math.Min(_written, _ring.Length);
                long lost = 0;
                if (position < oldest)
                {
                    lost = oldest - position;
                    position = oldest;
                }

                if (position < _written)
                {
                    int count = (int)Math.Min(destination.Length, _written - position);
                    CopyOut(position, destination.Span[..count]);
                    return (count, position + count, lost);
                }

                _waiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiters.Task;
            }

            await wait.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    private void CopyOut(long position, Span<byte> destination)
    {
        int start = (int)(position % _ring.Length);
        int first = Math.Min(destination.Length, _ring.Length - start);
        _ring.AsSpan(start, first).CopyTo(destination);
        _ring.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }
}
