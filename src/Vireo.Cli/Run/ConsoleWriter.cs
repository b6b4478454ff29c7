namespace Vireo.Cli.Run;

/// <summary>
/// Buffers guest console output for a host stream. Bytes arrive one at a time from the UART on hart threads; writing
/// each with its own system call would slow boots, so output is flushed at each newline and otherwise within 10 ms.
/// The flush timer is one-shot and armed only when a partial line is buffered: a periodic timer would wake the host
/// 100 times a second for an idle guest.
/// </summary>
internal sealed class ConsoleWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[8192];
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private static readonly TimeSpan s_flushDelay = TimeSpan.FromMilliseconds(10);
    private int _count;
    private bool _timerArmed;

    public ConsoleWriter(Stream stream)
    {
        _stream = stream;
        _timer = new Timer(static state => ((ConsoleWriter)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
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

            if (_count != 0 && !_timerArmed)
            {
                _timerArmed = true;
                _timer.Change(s_flushDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _timerArmed = false;
            FlushLocked();
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
