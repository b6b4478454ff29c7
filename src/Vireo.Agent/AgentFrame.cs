using System.Buffers.Binary;

namespace Vireo.Agent;

/// <summary>
/// The wire framing: le32 length of what follows (type byte + payload), u8 type, payload. Payloads are at most
/// <see cref="MaxPayload"/> bytes; a longer or empty length is a protocol error.
/// </summary>
public static class AgentFrame
{
    /// <summary>Protocol version spoken by this library.</summary>
    public const byte ProtocolVersion = 1;

    /// <summary>The agent's vsock port.</summary>
    public const uint Port = 52;

    /// <summary>Largest payload in one frame.</summary>
    public const int MaxPayload = 1 << 20;

    /// <summary>Writes one frame.</summary>
    public static async ValueTask WriteAsync(Stream stream, AgentFrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (payload.Length > MaxPayload)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), "Frame payload too large.");
        }

        byte[] frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length + 1);
        frame[4] = (byte)type;
        payload.CopyTo(frame.AsMemory(5));
        await stream.WriteAsync(frame, cancellation).ConfigureAwait(false);
        await stream.FlushAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Reads one frame; null at a clean end of stream. Throws <see cref="GuestAgentException"/> on a bad frame.</summary>
    public static async ValueTask<(AgentFrameType Type, byte[] Payload)?> ReadAsync(Stream stream, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] head = new byte[5];
        int got = await ReadFullyAsync(stream, head, cancellation).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < head.Length)
        {
            throw new GuestAgentException("the agent's connection ended inside a frame");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head);
        if (length < 1 || length > MaxPayload + 1)
        {
            throw new GuestAgentException($"bad frame length {length} from the agent");
        }

        byte[] payload = new byte[length - 1];
        if (await ReadFullyAsync(stream, payload, cancellation).ConfigureAwait(false) < payload.Length)
        {
            throw new GuestAgentException("the agent's connection ended inside a frame");
        }

        return ((AgentFrameType)head[4], payload);
    }

    private static async ValueTask<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellation)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[total..], cancellation).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
