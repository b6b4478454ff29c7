using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>ICMP (RFC 792): echo and destination-unreachable, the messages the stack sends or answers.</summary>
public static class IcmpPacket
{
    public const int HeaderLength = 8;
    public const byte TypeEchoReply = 0;
    public const byte TypeDestinationUnreachable = 3;
    public const byte TypeEchoRequest = 8;
    public const byte CodePortUnreachable = 3;
    public const byte CodeAdministrativelyProhibited = 13;

    /// <summary>Validates length and checksum and returns the type and code.</summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out byte type, out byte code)
    {
        type = 0;
        code = 0;
        if (message.Length < HeaderLength || Checksum.Compute(message) != 0)
        {
            return false;
        }

        type = message[0];
        code = message[1];
        return true;
    }

    /// <summary>Sets type, code and checksum over the whole message (the rest is already in place).</summary>
    public static void Finish(Span<byte> message, byte type, byte code)
    {
        message[0] = type;
        message[1] = code;
        message[2] = 0;
        message[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], Checksum.Compute(message));
    }
}
