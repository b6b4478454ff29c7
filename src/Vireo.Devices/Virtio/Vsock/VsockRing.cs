namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// A bounded byte ring between the device's worker and a host-side stream, one producer and one consumer. The worker
/// side never blocks (it asks for what fits); the host side awaits data or room. Completion (end of stream) and reset
/// (connection gone) wake both sides.
/// </summary>
internal sealed class VsockRing
{
    private readonly byte[] _buffer;
    private readonly Lock _lock = new();
    private int _start;
    private int _count;
    private bool _completed;
    private bool _readerClosed;
    private string? _reset;
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _writable;

    public VsockRing(int capacity)
    {
        _buffer = new byte[capacity];
    }

    public int Capacity => _buffer.Length;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>True once the producer completed and every byte was consumed.</summary>
    public bool IsDrained
    {
        get
        {
            lock (_lock)
            {
                return (_completed || _reset != null) && _count == 0;
            }
        }
    }

    /// <summary>True when the consumer gave up: further bytes are discarded.</summary>
    public bool IsReaderClosed
    {
        get
        {
            lock (_lock)
            {
                return _readerClosed;
            }
        }
    }

    /// <summary>Producer: copies as much of <paramref name="source"/> as fits; returns the count. Never blocks.</summary>
    public int Write(ReadOnlySpan<byte> source)
    {
        TaskCompletionSource? wake;
        int n;
        lock (_lock)
        {
            if (_completed || _reset != null || _readerClosed)
            {
                return _readerClosed ? source.Length : 0;
            }

            n = Math.Min(source.Length, _buffer.Length - _count);
            int tail = (_start + _count) % _buffer.Length;
            int first = Math.Min(n, _buffer.Length - tail);
            source[..first].CopyTo(_buffer.AsSpan(tail));
            source[first..n].CopyTo(_buffer);
            _count += n;
            wake = _readable;
            _readable = null;
        }

        wake?.TrySetResult();
        return n;
    }

    /// <summary>Producer: waits for room, copies what fits and returns the count. Throws when the ring was reset.</summary>
    public async ValueTask<int> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellation)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                ThrowIfReset();
                if (_completed)
                {
                    throw new InvalidOperationException("The stream was shut down for writing.");
                }

                if (_readerClosed)
                {
                    throw new IOException("The guest shut the connection down for receiving.");
                }

                if (_count < _buffer.Length)
                {
                    return Write(source.Span);
                }

                _writable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _writable.Task;
            }

            await wait.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Consumer: copies up to <paramref name="destination"/>.Length bytes out; 0 when empty. Never blocks.</summary>
    public int Read(Span<byte> destination)
    {
        TaskCompletionSource? wake;
        int n;
        lock (_lock)
        {
            n = Math.Min(destination.Length, _count);
            int first = Math.Min(n, _buffer.Length - _start);
            _buffer.AsSpan(_start, first).CopyTo(destination);
            _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
            Consume(n);
            wake = _writable;
            _writable = null;
        }

        wake?.TrySetResult();
        return n;
    }

    /// <summary>Consumer: waits for data; returns 0 at the end of the stream. Throws when the ring was reset.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellation)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_count > 0)
                {
                    return Read(destination.Span);
                }

                ThrowIfReset();
                if (_completed)
                {
                    return 0;
                }

                _readable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _readable.Task;
            }

            await wait.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Worker as consumer: the readable bytes as at most two spans, without consuming them.</summary>
    public void Peek(int max, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        lock (_lock)
        {
            int n = Math.Min(max, _count);
            int a = Math.Min(n, _buffer.Length - _start);

            // The producer only writes outside [start, start + count), so these bytes stay put until consumed.
            first = _buffer.AsSpan(_start, a);
            second = _buffer.AsSpan(0, n - a);
        }
    }

    /// <summary>Worker as consumer: drops <paramref name="n"/> peeked bytes and wakes a waiting producer.</summary>
    public void Advance(int n)
    {
        TaskCompletionSource? wake;
        lock (_lock)
        {
            Consume(n);
            wake = _writable;
            _writable = null;
        }

        wake?.TrySetResult();
    }

    /// <summary>Producer is done: the consumer reads what is left, then the end of the stream.</summary>
    public void Complete() => Wake(() => _completed = true);

    /// <summary>Consumer is done: buffered and future bytes are discarded; a waiting producer fails.</summary>
    public void CloseReader() => Wake(() =>
    {
        _readerClosed = true;
        _start = 0;
        _count = 0;
    });

    /// <summary>The connection is gone: both sides fail with <paramref name="reason"/> (buffered bytes stay readable).</summary>
    public void Reset(string reason) => Wake(() => _reset ??= reason);

    private void Consume(int n)
    {
        _start = _count == n ? 0 : (_start + n) % _buffer.Length;
        _count -= n;
    }

    private void Wake(Action change)
    {
        TaskCompletionSource? readable;
        TaskCompletionSource? writable;
        lock (_lock)
        {
            change();
            readable = _readable;
            writable = _writable;
            _readable = null;
            _writable = null;
        }

        readable?.TrySetResult();
        writable?.TrySetResult();
    }

    private void ThrowIfReset()
    {
        if (_reset != null)
        {
            throw new IOException(_reset);
        }
    }
}
