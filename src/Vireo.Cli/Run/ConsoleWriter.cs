namespace Vireo.Cli.Run;

/// <summary>
/// Buffers guest console output for a host stream. Bytes arrive one at a time from the UART on hart threads; writing
/// each with its own system call would slow boots, so output is flushed at each newline and otherwise within 10 ms.
/// </summary>
internal sealed class ConsoleWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[8192];
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private int _count;

    public ConsoleWriter(Stream stream)
    {
        _stream = stream;
        _timer = new Timer(_ => Flush(), null, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            foreach (byte b in bytes)
            {
                if (_count == _buffer.Length)
                {
                    FlushLocked();
                }

                _buffer[_count++] = b;
                if (b == (byte)'\n')
                {
                    FlushLocked();
                }
            }
        }
    }

    public void Flush()
    {
        lock (_gate)
        {
            FlushLocked();
        }
    }

    private void FlushLocked()
    {
        if (_count == 0)
        {
            return;
        }

        try
        {
            _stream.Write(_buffer, 0, _count);
            _stream.Flush();
        }
        catch (IOException)
        {
            // The reader went away (a closed pipe): the guest keeps running, its output is dropped.
        }

        _count = 0;
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }
}
