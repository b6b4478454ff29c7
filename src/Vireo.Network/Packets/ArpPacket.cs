using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>An ARP packet for Ethernet/IPv4 (RFC 826).</summary>
public readonly record struct ArpPacket(
    ushort Operation, MacAddress SenderMac, uint SenderIp, MacAddress TargetMac, uint TargetIp)
{
    public const int Length = 28;
    public const ushort OpRequest = 1;
    public const ushort OpReply = 2;

    public static bool TryRead(ReadOnlySpan<byte> packet, out ArpPacket arp)
    {
        arp = default;
        if (packet.Length < Length ||
            BinaryPrimitives.ReadUInt16BigEndian(packet) != 1 ||
            BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != EthernetHeader.TypeIpv4 ||
            packet[4] != 6 || packet[5] != 4)
        {
            return false;
        }

        ushort op = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        if (op is not (OpRequest or OpReply))
        {
            return false;
        }

        arp = new ArpPacket(op, MacAddress.Read(packet[8..]), BinaryPrimitives.ReadUInt32BigEndian(packet[14..]),
            MacAddress.Read(packet[18..]), BinaryPrimitives.ReadUInt32BigEndian(packet[24..]));
        return true;
    }

    public void Write(Span<byte> packet)
    {
        BinaryPrimitives.WriteUInt16BigEndian(packet, 1);
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], EthernetHeader.TypeIpv4);
        packet[4] = 6;
        packet[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(packet[6..], Operation);
        SenderMac.Write(packet[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(packet[14..], SenderIp);
        TargetMac.Write(packet[18..]);
        BinaryPrimitives.WriteUInt32BigEndian(packet[24..], TargetIp);
    }
}
