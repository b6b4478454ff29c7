using System.Buffers.Binary;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Vireo.Network.Switching;

/// <summary>
/// Ethernet frames over a stream socket: each frame is preceded by its length as a 16-bit big-endian number. Sending
/// never blocks the caller (a bounded queue feeds a writer task; frames beyond it are dropped and counted, as a busy
/// link would drop them), receiving runs a reader task that hands each frame to a callback.
/// </summary>
internal sealed class FrameLink : IDisposable
{
    public const int MaxFrame = 65535;
    private const int QueueDepth = 1024;

    private readonly Socket _socket;
    private readonly Channel<byte[]> _outgoing = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(QueueDepth) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private long _dropped;
    private int _disposed;

    public FrameLink(Socket socket)
    {
        _socket = socket;
        WriterCompletion = WriteLoopAsync();
    }

    /// <summary>Frames dropped because the queue was full or the frame was too big or empty.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public Task WriterCompletion { get; }

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty || frame.Length > MaxFrame || Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        byte[] message = new byte[2 + frame.Length];
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)frame.Length);
        frame.CopyTo(message.AsSpan(2));
        if (!_outgoing.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        return true;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (byte[] message in _outgoing.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                int sent = 0;
                while (sent < message.Length)
                {
                    sent += await _socket.SendAsync(message.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
                }
            }
        }
        catch (SocketException)
        {
            // The peer went away; the reader notices and ends the link.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while sending.
        }
    }

    /// <summary>Reads frames until the peer closes or sends a malformed length; returns when done.</summary>
    public async Task ReadLoopAsync(Action<ReadOnlyMemory<byte>> onFrame)
    {
        byte[] buffer = new byte[2 + MaxFrame];
        try
        {
            while (true)
            {
                if (!await ReadExactlyAsync(buffer.AsMemory(0, 2)).ConfigureAwait(false))
                {
                    return;
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
                if (length == 0)
                {
                    // Not a valid frame: the peer speaks another protocol. Drop the link.
                    return;
                }

                if (!await ReadExactlyAsync(buffer.AsMemory(0, length)).ConfigureAwait(false))
                {
                    return;
                }

                onFrame(buffer.AsMemory(0, length));
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async ValueTask<bool> ReadExactlyAsync(Memory<byte> destination)
    {
        int got = 0;
        while (got < destination.Length)
        {
            int n = await _socket.ReceiveAsync(destination[got..], SocketFlags.None).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            got += n;
        }

        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _outgoing.Writer.TryComplete();
        _socket.Dispose();
    }
}
