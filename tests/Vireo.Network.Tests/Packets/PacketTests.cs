using System.Buffers.Binary;
using Vireo.Network.Packets;

namespace Vireo.Network.Tests.Packets;

public sealed class PacketTests
{
    [Fact]
    public void Checksum_matches_the_rfc1071_example()
    {
        byte[] data = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7];
        Assert.Equal(0x220D, Checksum.Compute(data));
        // Odd length: the last byte is padded with zero.
        Assert.Equal(Checksum.Finish(Checksum.Add(0, [0x12, 0x34, 0x56, 0x00])), Checksum.Compute([0x12, 0x34, 0x56]));
    }

    [Fact]
    public void Ipv4_round_trips_and_rejects_bad_checksum_length_and_version()
    {
        byte[] packet = new byte[40];
        Ipv4Header.Write(packet, 0x0A00020F, 0x0A000202, Ipv4Header.ProtocolUdp, 20, 77);
        Assert.True(Ipv4Header.TryRead(packet, out Ipv4Header ip, out ReadOnlySpan<byte> payload));
        Assert.Equal(0x0A00020Fu, ip.Source);
        Assert.Equal(0x0A000202u, ip.Destination);
        Assert.Equal(77, ip.Identification);
        Assert.Equal(20, payload.Length);
        Assert.False(ip.IsFragment);

        byte[] bad = (byte[])packet.Clone();
        bad[8] ^= 1;
        Assert.False(Ipv4Header.TryRead(bad, out _, out _));
        Assert.False(Ipv4Header.TryRead(packet.AsSpan(0, 39), out _, out _));
        bad = (byte[])packet.Clone();
        bad[0] = 0x65;
        Assert.False(Ipv4Header.TryRead(bad, out _, out _));
        bad = (byte[])packet.Clone();
        bad[0] = 0x44;
        Assert.False(Ipv4Header.TryRead(bad, out _, out _));
    }

    [Fact]
    public void Tcp_options_are_parsed_and_malformed_options_rejected()
    {
        byte[] frame = GuestPackets.Tcp(1, GuestPackets.Gateway, 2, 100, 0, TcpFlags.Syn, 500, mss: 1400, windowScale: 5);
        Assert.True(GuestPackets.TryTcp(frame, out TcpHeader tcp, out _));
        Assert.Equal(1400, tcp.MaxSegmentSize);
        Assert.Equal(5, tcp.WindowScale);
        Assert.Equal(TcpFlags.Syn, tcp.Flags);

        // An option whose length runs past the header is malformed (checksum fixed up so only the option is wrong).
        byte[] bad = (byte[])frame.Clone();
        bad[34 + 21] = 40;
        FixTcpChecksum(bad);
        Assert.False(GuestPackets.TryTcp(bad, out _, out _));
        bad = (byte[])frame.Clone();
        bad[34 + 21] = 0;
        FixTcpChecksum(bad);
        Assert.False(GuestPackets.TryTcp(bad, out _, out _));
        bad = (byte[])frame.Clone();
        bad[40] ^= 0x10;
        Assert.False(GuestPackets.TryTcp(bad, out _, out _));
    }

    private static void FixTcpChecksum(byte[] frame)
    {
        Span<byte> segment = frame.AsSpan(34);
        segment[16] = 0;
        segment[17] = 0;
        uint sum = Checksum.PseudoHeader(GuestPackets.Guest, GuestPackets.Gateway, 6, segment.Length);
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], Checksum.Finish(Checksum.Add(sum, segment)));
    }

    [Fact]
    public void Udp_checks_length_and_checksum_but_accepts_zero_checksum()
    {
        byte[] frame = GuestPackets.Udp(GuestPackets.Guest, 1, GuestPackets.Gateway, 2, "abc"u8);
        Assert.True(GuestPackets.TryUdp(frame, out _, out UdpHeader udp, out byte[] data));
        Assert.Equal(1, udp.SourcePort);
        Assert.Equal("abc"u8.ToArray(), data);
        byte[] bad = (byte[])frame.Clone();
        bad[^1] ^= 0xFF;
        Assert.False(GuestPackets.TryUdp(bad, out _, out _, out _));
        bad[34 + 6] = 0;
        bad[34 + 7] = 0;
        Assert.True(GuestPackets.TryUdp(bad, out _, out _, out _));
        bad[34 + 5] = 200;
        Assert.False(GuestPackets.TryUdp(bad, out _, out _, out _));
    }

    [Fact]
    public void Arp_rejects_other_hardware_and_protocol_types()
    {
        byte[] frame = GuestPackets.ArpRequest(GuestPackets.Gateway);
        Assert.True(ArpPacket.TryRead(frame.AsSpan(14), out ArpPacket arp));
        Assert.Equal(GuestPackets.GuestMac, arp.SenderMac);
        frame[14 + 1] = 6;
        Assert.False(ArpPacket.TryRead(frame.AsSpan(14), out _));
        Assert.False(ArpPacket.TryRead(frame.AsSpan(14, 27), out _));
    }

    [Fact]
    public void Dhcp_requires_cookie_and_message_type_and_bounded_options()
    {
        byte[] frame = GuestPackets.Dhcp(DhcpMessage.Discover, 5);
        Assert.True(GuestPackets.TryUdp(frame, out _, out _, out byte[] dhcp));
        Assert.True(DhcpMessage.TryRead(dhcp, out DhcpMessage message));
        Assert.Equal(DhcpMessage.Discover, message.MessageType);
        byte[] bad = (byte[])dhcp.Clone();
        bad[236] = 0;
        Assert.False(DhcpMessage.TryRead(bad, out _));
        bad = (byte[])dhcp.Clone();
        bad[241] = 250;
        Assert.False(DhcpMessage.TryRead(bad, out _));
        Assert.False(DhcpMessage.TryRead(dhcp.AsSpan(0, 200), out _));
    }

    [Fact]
    public void Dns_query_validation_and_error_response()
    {
        byte[] query = User.UserNetworkServicesTests.Query(0x1234, "host.example");
        Assert.True(DnsMessage.TryReadQuery(query, out int end));
        Assert.Equal(query.Length, end);
        byte[] response = new byte[end];
        DnsMessage.WriteErrorResponse(query, end, DnsMessage.RcodeServerFailure, response);
        Assert.Equal(0x81, response[2]);
        Assert.Equal(0x82, response[3]);
        Assert.False(DnsMessage.TryReadQuery(query.AsSpan(0, end - 1), out _));
        byte[] pointer = (byte[])query.Clone();
        pointer[12] = 0xC0;
        Assert.False(DnsMessage.TryReadQuery(pointer, out _));
        byte[] answer = (byte[])query.Clone();
        answer[2] |= 0x80;
        Assert.False(DnsMessage.TryReadQuery(answer, out _));
    }

    [Fact]
    public void Mac_address_parse_and_format()
    {
        Assert.True(MacAddress.TryParse("52:54:00:AB:cd:0f", out MacAddress? mac));
        Assert.Equal("52:54:00:ab:cd:0f", mac.ToString());
        Assert.False(mac.Value.IsMulticast);
        Assert.True(MacAddress.Broadcast.IsMulticast);
        Assert.False(MacAddress.TryParse("52:54:00:ab:cd", out _));
        Assert.False(MacAddress.TryParse("52:54:00:ab:cd:zz", out _));
        Assert.False(MacAddress.TryParse("52.54.00.ab.cd.0f", out _));
    }
}
