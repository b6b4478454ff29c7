using System.Buffers;
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
/// <para>
/// Offload extension, backward-safe: a new client first sends <see cref="Hello"/>, an Ethernet frame with a multicast
/// source address that an old server drops; a new server answers with the same frame. Only after seeing the peer's
/// hello does a side send offload messages: a zero length word (which an old peer would take as a protocol error),
/// then the frame length (16 bits), flags (bit 0: checksums valid), a zero byte and the TCP segment size (16 bits),
/// all big-endian, then the frame. A malformed offload message is skipped and counted, never trusted.
/// </para>
/// </summary>
internal sealed class FrameLink : IDisposable
{
    public const int MaxFrame = 65535;
    private const int QueueDepth = 1024;
    private const int BatchSize = 256 * 1024;
    private const int OffloadHeader = 8;
    private const byte FlagChecksumsValid = 1;

    private readonly Socket _socket;
    // Messages are pooled buffers (a frame per guest packet must not allocate); the writer returns them after copying.
    private readonly Channel<(byte[] Buffer, int Length)> _outgoing = Channel.CreateBounded<(byte[] Buffer, int Length)>(
        new BoundedChannelOptions(QueueDepth) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private long _dropped;
    private long _malformed;
    private int _disposed;
    private volatile bool _peerOffload;

    public FrameLink(Socket socket)
    {
        _socket = socket;
        WriterCompletion = WriteLoopAsync();
    }

    /// <summary>Frames dropped because the queue was full or the frame was too big or empty.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Offload messages from the peer that were malformed (bad flags or length) and skipped.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>True once the peer's <see cref="Hello"/> arrived: it understands offload messages.</summary>
    public bool PeerOffload => _peerOffload;

    public Task WriterCompletion { get; }

    /// <summary>The offload hello: to 00:00:00:00:00:00 from ff:ff:ff:ff:ff:ff (an invalid source every switch drops).</summary>
    public static ReadOnlySpan<byte> Hello =>
    [
        0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x88, 0xB5,
        (byte)'V', (byte)'i', (byte)'r', (byte)'e', (byte)'o', (byte)'G', (byte)'S', (byte)'O', 1, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>True for the peer's hello; records that the peer understands offload messages.</summary>
    public bool TryTakeHello(ReadOnlySpan<byte> frame)
    {
        if (!frame.SequenceEqual(Hello))
        {
            return false;
        }

        _peerOffload = true;
        return true;
    }

    /// <summary>
    /// Queues a frame with offload information. False when the peer does not understand offloads and the frame needs
    /// them (a large segment: the caller segments it), or when it was dropped (counted).
    /// </summary>
    public bool TrySend(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (offload == default || !_peerOffload)
        {
            return offload.TcpSegmentSize == 0 && TrySend(frame);
        }

        if (frame.IsEmpty || frame.Length > MaxFrame || offload.TcpSegmentSize is < 0 or > ushort.MaxValue ||
            Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        int length = OffloadHeader + frame.Length;
        byte[] message = ArrayPool<byte>.Shared.Rent(length);
        BinaryPrimitives.WriteUInt16BigEndian(message, 0);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)frame.Length);
        message[4] = offload.ChecksumsValid ? FlagChecksumsValid : (byte)0;
        message[5] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), (ushort)offload.TcpSegmentSize);
        frame.CopyTo(message.AsSpan(OffloadHeader));
        return Enqueue(message, length);
    }

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty || frame.Length > MaxFrame || Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        int length = 2 + frame.Length;
        byte[] message = ArrayPool<byte>.Shared.Rent(length);
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)frame.Length);
        frame.CopyTo(message.AsSpan(2));
        return Enqueue(message, length);
    }

    private bool Enqueue(byte[] message, int length)
    {
        if (!_outgoing.Writer.TryWrite((message, length)))
        {
            ArrayPool<byte>.Shared.Return(message);
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
            ChannelReader<(byte[] Buffer, int Length)> reader = _outgoing.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // The batch holds at least one message of the largest size, so the first one always fits.
                int used = 0;
                while (reader.TryPeek(out (byte[] Buffer, int Length) next) && used + next.Length <= batch.Length && reader.TryRead(out next))
                {
                    next.Buffer.AsSpan(0, next.Length).CopyTo(batch.AsSpan(used));
                    ArrayPool<byte>.Shared.Return(next.Buffer);
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

    /// <summary>Reads frames until the peer closes; returns when done.</summary>
    public async Task ReadLoopAsync(Action<ReadOnlyMemory<byte>, ReceiveOffload> onFrame)
    {
        // Room for two largest messages: after compaction a partial one leaves space for a whole next one.
        byte[] buffer = new byte[Math.Max(BatchSize, 2 * (OffloadHeader + MaxFrame))];
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
                        if (end - start < OffloadHeader)
                        {
                            break;
                        }

                        length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(start + 2));
                        if (end - start < OffloadHeader + length)
                        {
                            break;
                        }

                        byte flags = buffer[start + 4];
                        int segmentSize = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(start + 6));
                        if (length == 0 || (flags & ~FlagChecksumsValid) != 0 || buffer[start + 5] != 0)
                        {
                            // Framing is intact (the length is known), so skip just this message.
                            Interlocked.Increment(ref _malformed);
                        }
                        else
                        {
                            onFrame(
                                buffer.AsMemory(start + OffloadHeader, length),
                                new ReceiveOffload((flags & FlagChecksumsValid) != 0, segmentSize));
                        }

                        start += OffloadHeader + length;
                        continue;
                    }

                    if (end - start < 2 + length)
                    {
                        break;
                    }

                    onFrame(buffer.AsMemory(start + 2, length), default);
                    start += 2 + length;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (buffer.Length - end < OffloadHeader + MaxFrame)
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
