using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>The fields of an IPv4 header the stack uses. Addresses are host-order <see cref="uint"/>s.</summary>
public readonly record struct Ipv4Header(
    uint Source, uint Destination, byte Protocol, int HeaderLength, int TotalLength, ushort Identification,
    byte TimeToLive, bool MoreFragments, int FragmentOffset)
{
    public const int MinLength = 20;
    public const byte ProtocolIcmp = 1;
    public const byte ProtocolTcp = 6;
    public const byte ProtocolUdp = 17;

    public bool IsFragment => MoreFragments || FragmentOffset != 0;

    /// <summary>
    /// Validates version, header length, total length and header checksum. <paramref name="payload"/> is trimmed to the
    /// total length (Ethernet padding removed).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out Ipv4Header header, out ReadOnlySpan<byte> payload)
    {
        header = default;
        payload = default;
        if (packet.Length < MinLength || (packet[0] >> 4) != 4)
        {
            return false;
        }

        int headerLength = (packet[0] & 0xF) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (headerLength < MinLength || totalLength < headerLength || totalLength > packet.Length)
        {
            return false;
        }

        if (Checksum.Compute(packet[..headerLength]) != 0)
        {
            return false;
        }

        ushort flagsFragment = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        header = new Ipv4Header(
            BinaryPrimitives.ReadUInt32BigEndian(packet[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[16..]),
            packet[9],
            headerLength,
            totalLength,
            BinaryPrimitives.ReadUInt16BigEndian(packet[4..]),
            packet[8],
            (flagsFragment & 0x2000) != 0,
            (flagsFragment & 0x1FFF) * 8);
        payload = packet[headerLength..totalLength];
        return true;
    }

    /// <summary>Writes a 20-byte header (DF set, no options) with its checksum.</summary>
    public static void Write(Span<byte> packet, uint source, uint destination, byte protocol, int payloadLength,
        ushort identification, byte timeToLive = 64)
    {
        packet[0] = 0x45;
        packet[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)(MinLength + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(packet[6..], 0x4000);
        packet[8] = timeToLive;
        packet[9] = protocol;
        packet[10] = 0;
        packet[11] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(packet[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(packet[16..], destination);
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], Checksum.Compute(packet[..MinLength]));
    }
}
