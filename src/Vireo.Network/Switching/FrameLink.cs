using System.Buffers.Binary;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Vireo.Network.Switching;

/// <summary>
/// Ethernet frames over a stream socket: each frame is preceded by its length as a 16-bit big-endian number. Sending
/// never blocks the caller (a bounded queue feeds a writer task; frames beyond it are dropped and counted, as a busy
/// link would drop them), receiving runs a reader task that hands each frame to a callback. Both sides move many frames
/// per system call: the writer sends every queued frame in one batch, the reader parses every frame one read returned
/// (a TCP stream through a VM's TSO arrives as bursts of ~45 frames).
/// </summary>
internal sealed class FrameLink : IDisposable
{
    public const int MaxFrame = 65535;
    private const int QueueDepth = 1024;
    private const int BatchSize = 256 * 1024;

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
            byte[] batch = new byte[BatchSize];
            ChannelReader<byte[]> reader = _outgoing.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // The batch holds at least one message of the largest size, so the first one always fits.
                int used = 0;
                while (reader.TryPeek(out byte[]? next) && used + next.Length <= batch.Length && reader.TryRead(out next))
                {
                    next.CopyTo(batch, used);
                    used += next.Length;
                }

                int sent = 0;
                while (sent < used)
                {
                    sent += await _socket.SendAsync(batch.AsMemory(sent, used - sent), SocketFlags.None).ConfigureAwait(false);
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
        // Room for two largest messages: after compaction a partial one leaves space for a whole next one.
        byte[] buffer = new byte[Math.Max(BatchSize, 2 * (2 + MaxFrame))];
        int start = 0;
        int end = 0;
        try
        {
            while (true)
            {
                while (end - start >= 2)
                {
                    int length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(start));
                    if (length == 0)
                    {
                        // Not a valid frame: the peer speaks another protocol. Drop the link.
                        return;
                    }

                    if (end - start < 2 + length)
                    {
                        break;
                    }

                    onFrame(buffer.AsMemory(start + 2, length));
                    start += 2 + length;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (buffer.Length - end < 2 + MaxFrame)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                int n = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                end += n;
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
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
