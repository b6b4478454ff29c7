using System.Buffers.Binary;
using Vireo.Network.Packets;

namespace Vireo.Network.Tests;

/// <summary>Builds the frames a guest would send, and picks apart the frames it receives.</summary>
internal static class GuestPackets
{
    public const uint Gateway = 0x0A000202;
    public const uint Dns = 0x0A000203;
    public const uint Guest = 0x0A00020F;
    public static readonly MacAddress GuestMac = new(0x5254_0012_3456UL);
    public static readonly MacAddress GatewayMac = new(0x5255_0A00_0202UL);

    public static byte[] Ethernet(MacAddress destination, ushort type, ReadOnlySpan<byte> payload,
        MacAddress? source = null)
    {
        byte[] frame = new byte[EthernetHeader.Length + payload.Length];
        new EthernetHeader(destination, source ?? GuestMac, type).Write(frame);
        payload.CopyTo(frame.AsSpan(EthernetHeader.Length));
        return frame;
    }

    public static byte[] Ip(uint source, uint destination, byte protocol, ReadOnlySpan<byte> payload,
        MacAddress? destinationMac = null)
    {
        byte[] packet = new byte[Ipv4Header.MinLength + payload.Length];
        payload.CopyTo(packet.AsSpan(Ipv4Header.MinLength));
        Ipv4Header.Write(packet, source, destination, protocol, payload.Length, 1);
        return Ethernet(destinationMac ?? GatewayMac, EthernetHeader.TypeIpv4, packet);
    }

    public static byte[] Udp(uint source, ushort sourcePort, uint destination, ushort destinationPort,
        ReadOnlySpan<byte> data, MacAddress? destinationMac = null)
    {
        byte[] segment = new byte[UdpHeader.Length + data.Length];
        data.CopyTo(segment.AsSpan(UdpHeader.Length));
        UdpHeader.Write(segment, source, destination, sourcePort, destinationPort, data.Length);
        return Ip(source, destination, Ipv4Header.ProtocolUdp, segment, destinationMac);
    }

    public static byte[] Tcp(ushort sourcePort, uint destination, ushort destinationPort, uint seq, uint ack,
        TcpFlags flags, ushort window, ReadOnlySpan<byte> data = default, ushort mss = 0, int windowScale = -1)
    {
        int headerLength = TcpHeader.HeaderLengthFor(mss, windowScale);
        byte[] segment = new byte[headerLength + data.Length];
        data.CopyTo(segment.AsSpan(headerLength));
        TcpHeader.Write(segment, Guest, destination, sourcePort, destinationPort, seq, ack, flags, window,
            data.Length, mss, windowScale);
        return Ip(Guest, destination, Ipv4Header.ProtocolTcp, segment);
    }

    public static byte[] ArpRequest(uint targetIp, uint senderIp = Guest)
    {
        byte[] arp = new byte[ArpPacket.Length];
        new ArpPacket(ArpPacket.OpRequest, GuestMac, senderIp, default, targetIp).Write(arp);
        return Ethernet(MacAddress.Broadcast, EthernetHeader.TypeArp, arp);
    }

    /// <summary>A DHCP message as BusyBox udhcpc sends it (broadcast, options 53/50/54/55/61).</summary>
    public static byte[] Dhcp(byte type, uint xid, uint requested = 0, uint serverId = 0, uint clientIp = 0)
    {
        byte[] m = new byte[300];
        m[0] = 1;
        m[1] = 1;
        m[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), xid);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(12), clientIp);
        GuestMac.Write(m.AsSpan(28));
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(236), DhcpMessage.MagicCookie);
        int o = 240;
        m[o++] = 53;
        m[o++] = 1;
        m[o++] = type;
        m[o++] = 61;
        m[o++] = 7;
        m[o++] = 1;
        GuestMac.Write(m.AsSpan(o));
        o += 6;
        if (requested != 0)
        {
            m[o++] = 50;
            m[o++] = 4;
            BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(o), requested);
            o += 4;
        }

        if (serverId != 0)
        {
            m[o++] = 54;
            m[o++] = 4;
            BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(o), serverId);
            o += 4;
        }

        m[o++] = 55;
        m[o++] = 4;
        m[o++] = 1;
        m[o++] = 3;
        m[o++] = 6;
        m[o++] = 51;
        m[o] = 255;
        return clientIp == 0
            ? Udp(0, 68, 0xFFFFFFFF, 67, m, MacAddress.Broadcast)
            : Udp(clientIp, 68, Gateway, 67, m);
    }

    public static bool TryIp(byte[] frame, out Ipv4Header ip, out byte[] payload)
    {
        payload = [];
        ip = default;
        if (!EthernetHeader.TryRead(frame, out EthernetHeader eth) || eth.EtherType != EthernetHeader.TypeIpv4 ||
            !Ipv4Header.TryRead(frame.AsSpan(EthernetHeader.Length), out ip, out ReadOnlySpan<byte> p))
        {
            return false;
        }

        payload = p.ToArray();
        return true;
    }

    public static bool TryTcp(byte[] frame, out TcpHeader tcp, out byte[] data)
    {
        tcp = default;
        data = [];
        if (!TryIp(frame, out Ipv4Header ip, out byte[] payload) || ip.Protocol != Ipv4Header.ProtocolTcp ||
            !TcpHeader.TryRead(ip, payload, out tcp, out ReadOnlySpan<byte> d))
        {
            return false;
        }

        data = d.ToArray();
        return true;
    }

    public static bool TryUdp(byte[] frame, out Ipv4Header ip, out UdpHeader udp, out byte[] data)
    {
        udp = default;
        data = [];
        if (!TryIp(frame, out ip, out byte[] payload) || ip.Protocol != Ipv4Header.ProtocolUdp ||
            !UdpHeader.TryRead(ip, payload, out udp, out ReadOnlySpan<byte> d))
        {
            return false;
        }

        data = d.ToArray();
        return true;
    }
}
