using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Vireo.Network.Packets;
using Vireo.Network.User;

namespace Vireo.Network.Tests.User;

public sealed class UserNetworkServicesTests
{
    [Fact]
    public void Arp_request_for_gateway_and_dns_is_answered_with_the_gateway_mac()
    {
        using var net = new UserNetHarness();
        foreach (uint target in new[] { GuestPackets.Gateway, GuestPackets.Dns })
        {
            net.Send(GuestPackets.ArpRequest(target));
            byte[]? reply = net.Guest.Next(f => EthernetHeader.TryRead(f, out EthernetHeader e) &&
                e.EtherType == EthernetHeader.TypeArp);
            Assert.NotNull(reply);
            Assert.True(EthernetHeader.TryRead(reply, out EthernetHeader eth));
            Assert.Equal(GuestPackets.GuestMac, eth.Destination);
            Assert.True(ArpPacket.TryRead(reply.AsSpan(14), out ArpPacket arp));
            Assert.Equal(ArpPacket.OpReply, arp.Operation);
            Assert.Equal(target, arp.SenderIp);
            Assert.Equal(GuestPackets.GatewayMac, arp.SenderMac);
            Assert.Equal(GuestPackets.Guest, arp.TargetIp);
            Assert.Equal(GuestPackets.GuestMac, arp.TargetMac);
        }
    }

    [Fact]
    public void Arp_for_other_addresses_is_not_answered()
    {
        using var net = new UserNetHarness();
        net.Send(GuestPackets.ArpRequest(0x0A000209));
        net.Send(GuestPackets.ArpRequest(GuestPackets.Guest));
        Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, net.Guest.Count);
    }

    [Fact]
    public void Icmp_echo_to_the_gateway_is_answered()
    {
        using var net = new UserNetHarness();
        byte[] echo = new byte[8 + 32];
        echo[0] = IcmpPacket.TypeEchoRequest;
        BinaryPrimitives.WriteUInt16BigEndian(echo.AsSpan(4), 0x1234);
        BinaryPrimitives.WriteUInt16BigEndian(echo.AsSpan(6), 7);
        for (int i = 8; i < echo.Length; i++)
        {
            echo[i] = (byte)i;
        }

        BinaryPrimitives.WriteUInt16BigEndian(echo.AsSpan(2), Checksum.Compute(echo));
        net.Send(GuestPackets.Ip(GuestPackets.Guest, GuestPackets.Gateway, Ipv4Header.ProtocolIcmp, echo));
        byte[]? reply = net.Guest.Next(f => GuestPackets.TryIp(f, out Ipv4Header ip, out _) &&
            ip.Protocol == Ipv4Header.ProtocolIcmp);
        Assert.NotNull(reply);
        Assert.True(GuestPackets.TryIp(reply, out Ipv4Header header, out byte[] message));
        Assert.Equal(GuestPackets.Gateway, header.Source);
        Assert.Equal(GuestPackets.Guest, header.Destination);
        Assert.True(IcmpPacket.TryRead(message, out byte type, out _));
        Assert.Equal(IcmpPacket.TypeEchoReply, type);
        Assert.Equal(echo.AsSpan(4).ToArray(), message.AsSpan(4).ToArray());
    }

    [Fact]
    public void Dhcp_discover_request_as_udhcpc_does_it_leases_10_0_2_15()
    {
        using var net = new UserNetHarness();
        net.Send(GuestPackets.Dhcp(DhcpMessage.Discover, 0xCAFE0001));
        (DhcpMessage offer, byte[] offerBytes) = ExpectDhcp(net);
        Assert.Equal(DhcpMessage.Offer, offer.MessageType);
        Assert.Equal(0xCAFE0001u, offer.TransactionId);
        Assert.Equal(GuestPackets.Guest, BinaryPrimitives.ReadUInt32BigEndian(offerBytes.AsSpan(16)));
        Assert.Equal(GuestPackets.Gateway, offer.ServerId);

        net.Send(GuestPackets.Dhcp(DhcpMessage.Request, 0xCAFE0002, GuestPackets.Guest, GuestPackets.Gateway));
        (DhcpMessage ack, byte[] ackBytes) = ExpectDhcp(net);
        Assert.Equal(DhcpMessage.Ack, ack.MessageType);
        Assert.Equal(GuestPackets.Guest, BinaryPrimitives.ReadUInt32BigEndian(ackBytes.AsSpan(16)));
        Assert.Equal(0xFFFFFF00u, Option(ackBytes, DhcpMessage.OptionSubnetMask));
        Assert.Equal(GuestPackets.Gateway, Option(ackBytes, DhcpMessage.OptionRouter));
        Assert.Equal(GuestPackets.Dns, Option(ackBytes, DhcpMessage.OptionDnsServer));
        Assert.Equal(86400u, Option(ackBytes, DhcpMessage.OptionLeaseTime));

        // Renewal: unicast from the configured address, answered to that address.
        net.Send(GuestPackets.Dhcp(DhcpMessage.Request, 0xCAFE0003, clientIp: GuestPackets.Guest));
        (DhcpMessage renew, _) = ExpectDhcp(net);
        Assert.Equal(DhcpMessage.Ack, renew.MessageType);

        // A request for another address is refused.
        net.Send(GuestPackets.Dhcp(DhcpMessage.Request, 0xCAFE0004, 0x0A000263, GuestPackets.Gateway));
        (DhcpMessage nak, _) = ExpectDhcp(net);
        Assert.Equal(DhcpMessage.Nak, nak.MessageType);
        Assert.Equal(4, net.Backend.Counters.DhcpReplies);
    }

    private static (DhcpMessage Message, byte[] Bytes) ExpectDhcp(UserNetHarness net)
    {
        byte[]? frame = net.Guest.Next(f => GuestPackets.TryUdp(f, out _, out UdpHeader u, out _) &&
            u.DestinationPort == 68);
        Assert.NotNull(frame);
        Assert.True(GuestPackets.TryUdp(frame, out Ipv4Header ip, out UdpHeader udp, out byte[] data));
        Assert.Equal(67, udp.SourcePort);
        Assert.Equal(GuestPackets.Gateway, ip.Source);
        Assert.True(EthernetHeader.TryRead(frame, out EthernetHeader eth));
        Assert.Equal(GuestPackets.GuestMac, eth.Destination);
        Assert.True(DhcpMessage.TryRead(data, out DhcpMessage message));
        Assert.Equal(2, message.Operation);
        Assert.Equal(GuestPackets.GuestMac, message.ClientMac);
        return (message, data);
    }

    private static uint Option(byte[] dhcp, byte code)
    {
        int i = 240;
        while (i < dhcp.Length && dhcp[i] != 255)
        {
            if (dhcp[i] == code)
            {
                return BinaryPrimitives.ReadUInt32BigEndian(dhcp.AsSpan(i + 2));
            }

            i += dhcp[i] == 0 ? 1 : 2 + dhcp[i + 1];
        }

        throw new Xunit.Sdk.XunitException($"option {code} missing");
    }

    [Fact]
    public void Dns_query_is_forwarded_to_the_host_resolver_and_the_answer_returned()
    {
        using var resolver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var resolverEndPoint = (IPEndPoint)resolver.Client.LocalEndPoint!;
        using var net = new UserNetHarness(new UserNetworkOptions { DnsServers = [resolverEndPoint] });
        byte[] query = Query(0x4242, "example.test");
        net.Send(GuestPackets.Udp(GuestPackets.Guest, 40000, GuestPackets.Dns, 53, query));

        IPEndPoint from = new(IPAddress.Any, 0);
        resolver.Client.ReceiveTimeout = 5000;
        byte[] forwarded = resolver.Receive(ref from);
        Assert.Equal(query.AsSpan(2).ToArray(), forwarded.AsSpan(2).ToArray());
        byte[] answer = (byte[])forwarded.Clone();
        answer[2] = 0x81;
        answer[3] = 0x80;
        answer = [.. answer, 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7];
        answer[7] = 1;
        resolver.Send(answer, from);

        byte[]? reply = net.Guest.Next(f => GuestPackets.TryUdp(f, out _, out UdpHeader u, out _) &&
            u.SourcePort == 53);
        Assert.NotNull(reply);
        Assert.True(GuestPackets.TryUdp(reply, out Ipv4Header ip, out UdpHeader udp, out byte[] data));
        Assert.Equal(GuestPackets.Dns, ip.Source);
        Assert.Equal(40000, udp.DestinationPort);
        Assert.Equal(0x4242, BinaryPrimitives.ReadUInt16BigEndian(data));
        Assert.Equal(answer.AsSpan(2).ToArray(), data.AsSpan(2).ToArray());
    }

    [Fact]
    public void Dns_without_a_reachable_resolver_answers_servfail_after_the_timeout()
    {
        // A bound socket that never answers stands in for an unreachable resolver.
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var net = new UserNetHarness(new UserNetworkOptions
        {
            DnsServers = [(IPEndPoint)silent.Client.LocalEndPoint!],
            DnsTimeout = TimeSpan.FromSeconds(2),
        });
        byte[] query = Query(0x0101, "nowhere.test");
        net.Send(GuestPackets.Udp(GuestPackets.Guest, 40001, GuestPackets.Dns, 53, query));
        Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
        Assert.Null(net.Guest.Next(_ => true, 100));
        net.Advance(TimeSpan.FromSeconds(3));
        byte[]? reply = net.Guest.Next(f => GuestPackets.TryUdp(f, out _, out UdpHeader u, out _) &&
            u.SourcePort == 53);
        Assert.NotNull(reply);
        Assert.True(GuestPackets.TryUdp(reply, out _, out _, out byte[] data));
        Assert.Equal(0x0101, BinaryPrimitives.ReadUInt16BigEndian(data));
        Assert.Equal(DnsMessage.RcodeServerFailure, data[3] & 0xF);
        Assert.True((data[2] & 0x80) != 0);
        Assert.Equal(query.Length, data.Length);
        Assert.Equal(1, net.Backend.Counters.DnsFailures);
    }

    [Fact]
    public void Dns_with_no_resolvers_answers_servfail_at_once()
    {
        using var net = new UserNetHarness(new UserNetworkOptions { ResolvConfPath = "/nonexistent/resolv.conf" });
        Assert.Empty(net.Backend.DnsServers);
        net.Send(GuestPackets.Udp(GuestPackets.Guest, 40002, GuestPackets.Dns, 53, Query(7, "a.test")));
        byte[]? reply = net.Guest.Next(f => GuestPackets.TryUdp(f, out _, out UdpHeader u, out _) &&
            u.SourcePort == 53);
        Assert.NotNull(reply);
        Assert.True(GuestPackets.TryUdp(reply, out _, out _, out byte[] data));
        Assert.Equal(DnsMessage.RcodeServerFailure, data[3] & 0xF);
    }

    internal static byte[] Query(ushort id, string name)
    {
        var bytes = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange(new byte[] { 0, 0, 1, 0, 1 });
        return [.. bytes];
    }
}
