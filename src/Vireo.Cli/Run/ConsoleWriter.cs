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
    private readonly Action<IOException>? _writeFailed;
    private static readonly TimeSpan s_flushDelay = TimeSpan.FromMilliseconds(10);
    private int _count;
    private bool _timerArmed;
    private bool _failed;

    /// <param name="stream">Where the output goes.</param>
    /// <param name="writeFailed">
    /// Told once about the first failed write (a full disk, /dev/full); output is dropped from then on and the guest
    /// keeps running. Null says nothing, for a reader that went away (a closed pipe).
    /// </param>
    public ConsoleWriter(Stream stream, Action<IOException>? writeFailed = null)
    {
        _stream = stream;
        _writeFailed = writeFailed;
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
        if (_count == 0 || _failed)
        {
            _count = 0;
            return;
        }

        try
        {
            _stream.Write(_buffer, 0, _count);
            _stream.Flush();
        }
        catch (IOException e)
        {
            // The reader went away (a closed pipe) or the file cannot take more: the guest keeps running (its console
            // is not worth a lost run), its output is dropped, and retrying every line would only fail again.
            _failed = true;
            _writeFailed?.Invoke(e);
        }

        _count = 0;
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }
}
