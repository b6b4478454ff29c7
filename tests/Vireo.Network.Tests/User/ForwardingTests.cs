using System.Net;
using System.Net.Sockets;
using System.Text;
using Vireo.Network.Packets;
using Vireo.Network.User;

namespace Vireo.Network.Tests.User;

/// <summary>Host port forwards and UDP NAT, with real sockets on 127.0.0.1.</summary>
public sealed class ForwardingTests
{
    [Fact]
    public void Tcp_hostfwd_carries_a_host_connection_to_the_guest_port()
    {
        var options = new UserNetworkOptions
        {
            DnsServers = [],
            HostForwards = [new HostForward(ForwardProtocol.Tcp, IPAddress.Loopback, 0, 80)],
        };
        using var net = new UserNetHarness(options);
        IPEndPoint forwarded = net.Backend.ForwardEndPoints[0];
        Assert.Equal(IPAddress.Loopback, forwarded.Address);
        // Let the stack learn the guest's MAC, as any guest traffic would.
        net.Send(GuestPackets.ArpRequest(GuestPackets.Gateway));

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.ReceiveTimeout = 5000;
        client.Connect(forwarded);
        (TcpHeader syn, _) = net.ExpectTcp();
        Assert.Equal(TcpFlags.Syn, syn.Flags);
        Assert.Equal(80, syn.DestinationPort);
        Assert.Equal(1460, syn.MaxSegmentSize);
        Assert.Equal(TcpConnection.OurWindowScale, syn.WindowScale);

        ushort remotePort = syn.SourcePort;
        byte[] Guest(uint seq, uint ack, TcpFlags flags, string data = "") =>
            GuestPackets.Tcp(80, GuestPackets.Gateway, remotePort, seq, ack, flags, 65535,
                Encoding.ASCII.GetBytes(data), flags.HasFlag(TcpFlags.Syn) ? (ushort)1460 : (ushort)0,
                flags.HasFlag(TcpFlags.Syn) ? 7 : -1);

        net.Send(Guest(7000, syn.Sequence + 1, TcpFlags.Syn | TcpFlags.Ack));
        (TcpHeader ack, _) = net.ExpectTcp();
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(7001u, ack.Acknowledgment);

        client.Send("GET / HTTP/1.0\r\n\r\n"u8);
        (TcpHeader request, byte[] requestData) = net.ExpectTcp((t, d) => d.Length > 0);
        Assert.Equal("GET / HTTP/1.0\r\n\r\n", Encoding.ASCII.GetString(requestData));
        uint hostNext = request.Sequence + (uint)requestData.Length;

        net.Send(Guest(7001, hostNext, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, "HTTP/1.0 200 OK\r\n\r\nhi"));
        var response = new MemoryStream();
        byte[] buffer = new byte[256];
        int n;
        while ((n = client.Receive(buffer)) > 0)
        {
            response.Write(buffer, 0, n);
        }

        Assert.Equal("HTTP/1.0 200 OK\r\n\r\nhi", Encoding.ASCII.GetString(response.ToArray()));
    }

    [Fact]
    public void Hostfwd_on_a_taken_port_is_a_clear_error()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var options = new UserNetworkOptions
        {
            DnsServers = [],
            HostForwards = [new HostForward(ForwardProtocol.Tcp, IPAddress.Loopback, port, 80)],
        };
        var error = Assert.Throws<NetworkOptionsException>(() => new UserNetworkBackend(options));
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Udp_nat_reaches_a_host_service_and_returns_replies()
    {
        using var service = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        service.Client.ReceiveTimeout = 5000;
        ushort port = (ushort)((IPEndPoint)service.Client.LocalEndPoint!).Port;
        using var net = new UserNetHarness();
        net.Send(GuestPackets.Udp(GuestPackets.Guest, 5555, GuestPackets.Gateway, port, "ping"u8));
        IPEndPoint from = new(IPAddress.Any, 0);
        Assert.Equal("ping", Encoding.ASCII.GetString(service.Receive(ref from)));
        service.Send("pong"u8, from);
        byte[]? frame = net.Guest.Next(f => GuestPackets.TryUdp(f, out _, out UdpHeader u, out _) &&
            u.DestinationPort == 5555);
        Assert.NotNull(frame);
        Assert.True(GuestPackets.TryUdp(frame, out Ipv4Header ip, out UdpHeader udp, out byte[] data));
        Assert.Equal(GuestPackets.Gateway, ip.Source);
        Assert.Equal(port, udp.SourcePort);
        Assert.Equal("pong", Encoding.ASCII.GetString(data));
        Assert.Equal(1, net.Backend.Counters.UdpFlows);

        // Idle flows expire.
        net.Advance(TimeSpan.FromSeconds(70));
        Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
        net.Send(GuestPackets.Udp(GuestPackets.Guest, 5555, GuestPackets.Gateway, port, "again"u8));
        Assert.Equal("again", Encoding.ASCII.GetString(service.Receive(ref from)));
        Assert.Equal(2, net.Backend.Counters.UdpFlows);
    }

    [Fact]
    public void Tcp_hostfwd_retries_the_syn_to_a_silent_guest_every_second_until_the_connect_timeout()
    {
        var options = new UserNetworkOptions
        {
            DnsServers = [],
            HostForwards = [new HostForward(ForwardProtocol.Tcp, IPAddress.Loopback, 0, 80)],
            TcpConnectTimeout = TimeSpan.FromSeconds(5),
        };
        using var net = new UserNetHarness(options);
        net.Send(GuestPackets.ArpRequest(GuestPackets.Gateway));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.ReceiveTimeout = 5000;
        client.Connect(net.Backend.ForwardEndPoints[0]);
        (TcpHeader syn, _) = net.ExpectTcp(static (t, _) => t.Flags == TcpFlags.Syn);

        // A booting guest answers nothing: the SYN comes again every second (no exponential backoff) ...
        for (int second = 1; second <= 4; second++)
        {
            net.Advance(TimeSpan.FromMilliseconds(600));
            Assert.Null(net.NextTcp(static (t, _) => t.Flags == TcpFlags.Syn, 50));
            net.Advance(TimeSpan.FromMilliseconds(400));
            Assert.Equal(syn.Sequence, net.ExpectTcp(static (t, _) => t.Flags == TcpFlags.Syn).Header.Sequence);
        }

        // ... and at the connect timeout the host's client is reset.
        net.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(net.NextTcp(static (t, _) => t.Flags == TcpFlags.Syn, 50));
        var error = Assert.Throws<SocketException>(() => client.Receive(new byte[16]));
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    [Fact]
    public void Udp_hostfwd_delivers_datagrams_and_lets_replies_through_even_when_restricted()
    {
        var options = new UserNetworkOptions
        {
            DnsServers = [],
            Restrict = true,
            HostForwards = [new HostForward(ForwardProtocol.Udp, IPAddress.Loopback, 0, 6000)],
        };
        using var net = new UserNetHarness(options);
        net.Send(GuestPackets.ArpRequest(GuestPackets.Gateway));
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 5000;
        client.Send("question"u8, net.Backend.ForwardEndPoints[0]);
        byte[]? frame = net.Guest.Next(f => GuestPackets.TryUdp(f, out _, out UdpHeader u, out _) &&
            u.DestinationPort == 6000);
        Assert.NotNull(frame);
        Assert.True(GuestPackets.TryUdp(frame, out Ipv4Header ip, out UdpHeader udp, out byte[] data));
        Assert.Equal("question", Encoding.ASCII.GetString(data));
        Assert.Equal(GuestPackets.Gateway, ip.Source);

        net.Send(GuestPackets.Udp(GuestPackets.Guest, 6000, GuestPackets.Gateway, udp.SourcePort, "answer"u8));
        IPEndPoint from = new(IPAddress.Any, 0);
        Assert.Equal("answer", Encoding.ASCII.GetString(client.Receive(ref from)));
        Assert.Equal(net.Backend.ForwardEndPoints[0], from);
    }

    [Fact]
    public void Restrict_answers_outbound_udp_with_icmp_prohibited_and_dns_with_refused()
    {
        using var service = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        ushort port = (ushort)((IPEndPoint)service.Client.LocalEndPoint!).Port;
        using var net = new UserNetHarness(new UserNetworkOptions { Restrict = true, DnsServers = [] });
        net.Send(GuestPackets.Udp(GuestPackets.Guest, 5555, GuestPackets.Gateway, port, "ping"u8));
        byte[]? icmp = net.Guest.Next(f => GuestPackets.TryIp(f, out Ipv4Header ip, out _) &&
            ip.Protocol == Ipv4Header.ProtocolIcmp);
        Assert.NotNull(icmp);
        Assert.True(GuestPackets.TryIp(icmp, out _, out byte[] message));
        Assert.True(IcmpPacket.TryRead(message, out byte type, out byte code));
        Assert.Equal(IcmpPacket.TypeDestinationUnreachable, type);
        Assert.Equal(IcmpPacket.CodeAdministrativelyProhibited, code);
        Assert.Equal(0, service.Available);

        net.Send(GuestPackets.Udp(GuestPackets.Guest, 5556, GuestPackets.Dns, 53,
            UserNetworkServicesTests.Query(9, "x.test")));
        byte[]? dns = net.Guest.Next(f => GuestPackets.TryUdp(f, out _, out UdpHeader u, out _) &&
            u.SourcePort == 53);
        Assert.NotNull(dns);
        Assert.True(GuestPackets.TryUdp(dns, out _, out _, out byte[] answer));
        Assert.Equal(DnsMessage.RcodeRefused, answer[3] & 0xF);
        Assert.Equal(2, net.Backend.Counters.DroppedPolicy);
    }
}
