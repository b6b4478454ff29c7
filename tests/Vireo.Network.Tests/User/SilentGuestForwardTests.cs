using System.Net;
using System.Net.Sockets;
using System.Text;
using Vireo.Network.Packets;
using Vireo.Network.User;

namespace Vireo.Network.Tests.User;

/// <summary>
/// Host forwards to a guest that has not sent a single frame (a static address and a listening server): the NAT
/// must find the guest's MAC with ARP itself, as a real gateway does, and then deliver what it held.
/// </summary>
public sealed class SilentGuestForwardTests
{
    [Fact]
    public void A_forwarded_connection_to_a_silent_guest_asks_for_its_mac_and_is_delivered_after_the_reply()
    {
        var options = new UserNetworkOptions
        {
            DnsServers = [],
            HostForwards = [new HostForward(ForwardProtocol.Tcp, IPAddress.Loopback, 0, 80)],
        };
        using var net = new UserNetHarness(options);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(net.Backend.ForwardEndPoints[0]);

        ArpPacket request = ExpectArpRequest(net);
        Assert.Equal(GuestPackets.Guest, request.TargetIp);
        Assert.Equal(GuestPackets.Gateway, request.SenderIp);
        Assert.Equal(GuestPackets.GatewayMac, request.SenderMac);

        // The guest answers; the SYN held while its MAC was unknown goes out at once (no retry tick needed: the clock
        // does not move), addressed to the MAC the reply gave.
        net.Send(ArpReply());
        byte[]? frame = net.NextTcp(static (t, _) => t.Flags == TcpFlags.Syn);
        Assert.NotNull(frame);
        Assert.True(EthernetHeader.TryRead(frame, out EthernetHeader ethernet));
        Assert.Equal(GuestPackets.GuestMac, ethernet.Destination);
        Assert.True(GuestPackets.TryTcp(frame, out TcpHeader syn, out _));
        Assert.Equal(80, syn.DestinationPort);

        // And the connection completes and carries data both ways.
        ushort remotePort = syn.SourcePort;
        net.Send(GuestPackets.Tcp(80, GuestPackets.Gateway, remotePort, 9000, syn.Sequence + 1,
            TcpFlags.Syn | TcpFlags.Ack, 65535, default, 1460, 7));
        Assert.Equal(9001u, net.ExpectTcp(static (t, _) => t.Flags == TcpFlags.Ack).Header.Acknowledgment);
        net.Send(GuestPackets.Tcp(80, GuestPackets.Gateway, remotePort, 9001, syn.Sequence + 1,
            TcpFlags.Ack | TcpFlags.Psh, 65535, "hello"u8));
        client.ReceiveTimeout = 5000;
        byte[] buffer = new byte[16];
        int n = client.Receive(buffer);
        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public void A_forwarded_datagram_to_a_silent_guest_is_held_until_the_arp_reply()
    {
        var options = new UserNetworkOptions
        {
            DnsServers = [],
            HostForwards = [new HostForward(ForwardProtocol.Udp, IPAddress.Loopback, 0, 53)],
        };
        using var net = new UserNetHarness(options);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Send("query"u8.ToArray(), 5, net.Backend.ForwardEndPoints[0]);

        ExpectArpRequest(net);
        net.Send(ArpReply());
        byte[]? frame = net.Guest.Next(static f => GuestPackets.TryUdp(f, out _, out UdpHeader u, out _) &&
            u.DestinationPort == 53);
        Assert.NotNull(frame);
        Assert.True(GuestPackets.TryUdp(frame, out _, out _, out byte[] data));
        Assert.Equal("query", Encoding.ASCII.GetString(data));
    }

    [Fact]
    public void Held_frames_are_dropped_and_counted_when_the_guest_never_answers_and_the_request_is_repeated()
    {
        var options = new UserNetworkOptions
        {
            DnsServers = [],
            HostForwards = [new HostForward(ForwardProtocol.Udp, IPAddress.Loopback, 0, 53)],
        };
        using var net = new UserNetHarness(options);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Send("query"u8.ToArray(), 5, net.Backend.ForwardEndPoints[0]);
        ExpectArpRequest(net);

        // Asked again every second while something waits ...
        net.Advance(TimeSpan.FromMilliseconds(1100));
        ExpectArpRequest(net);

        // ... and after three seconds unanswered the held datagram is given up (counted), as a gateway's ARP queue does.
        long before = net.Backend.Counters.DroppedGuestBusy;
        net.Advance(TimeSpan.FromSeconds(1.1));
        net.Advance(TimeSpan.FromSeconds(1.1));
        Assert.True(net.Backend.Counters.DroppedGuestBusy > before);
        net.Guest.Clear();
        net.Send(ArpReply());
        Assert.Null(net.Guest.Next(static f => GuestPackets.TryUdp(f, out _, out _, out _), 200));
    }

    private static ArpPacket ExpectArpRequest(UserNetHarness net)
    {
        byte[]? frame = net.Guest.Next(static f => IsArp(f, ArpPacket.OpRequest));
        Assert.NotNull(frame);
        Assert.True(EthernetHeader.TryRead(frame, out EthernetHeader ethernet));
        Assert.True(ethernet.Destination.IsBroadcast);
        Assert.True(ArpPacket.TryRead(frame.AsSpan(EthernetHeader.Length), out ArpPacket arp));
        return arp;
    }

    private static bool IsArp(byte[] frame, ushort operation) =>
        EthernetHeader.TryRead(frame, out EthernetHeader ethernet) && ethernet.EtherType == EthernetHeader.TypeArp &&
        ArpPacket.TryRead(frame.AsSpan(EthernetHeader.Length), out ArpPacket arp) && arp.Operation == operation;

    private static byte[] ArpReply()
    {
        byte[] arp = new byte[ArpPacket.Length];
        new ArpPacket(ArpPacket.OpReply, GuestPackets.GuestMac, GuestPackets.Guest, GuestPackets.GatewayMac,
            GuestPackets.Gateway).Write(arp);
        return GuestPackets.Ethernet(GuestPackets.GatewayMac, EthernetHeader.TypeArp, arp);
    }
}
