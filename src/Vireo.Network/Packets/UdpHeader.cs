using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>A UDP header (RFC 768).</summary>
public readonly record struct UdpHeader(ushort SourcePort, ushort DestinationPort)
{
    public const int Length = 8;

    /// <summary>Validates the length field and, unless it is zero (no checksum), the checksum.</summary>
    public static bool TryRead(in Ipv4Header ip, ReadOnlySpan<byte> segment, out UdpHeader header,
        out ReadOnlySpan<byte> data)
    {
        header = default;
        data = default;
        if (segment.Length < Length)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(segment[4..]);
        if (length < Length || length > segment.Length)
        {
            return false;
        }

        segment = segment[..length];
        if (BinaryPrimitives.ReadUInt16BigEndian(segment[6..]) != 0)
        {
            uint sum = Checksum.PseudoHeader(ip.Source, ip.Destination, Ipv4Header.ProtocolUdp, length);
            if (Checksum.Finish(Checksum.Add(sum, segment)) != 0)
            {
                return false;
            }
        }

        header = new UdpHeader(BinaryPrimitives.ReadUInt16BigEndian(segment),
            BinaryPrimitives.ReadUInt16BigEndian(segment[2..]));
        data = segment[Length..];
        return true;
    }

    /// <summary>Writes the header in front of the data already in <paramref name="segment"/>[8..] and checksums it.</summary>
    public static void Write(Span<byte> segment, uint sourceIp, uint destinationIp, ushort sourcePort,
        ushort destinationPort, int dataLength)
    {
        int length = Length + dataLength;
        BinaryPrimitives.WriteUInt16BigEndian(segment, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(segment[6..], 0);
        uint sum = Checksum.PseudoHeader(sourceIp, destinationIp, Ipv4Header.ProtocolUdp, length);
        ushort checksum = Checksum.Finish(Checksum.Add(sum, segment[..length]));
        BinaryPrimitives.WriteUInt16BigEndian(segment[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }
}
