using System.Net;
using System.Net.Sockets;
using Vireo.Network.Packets;
using Vireo.Network.User;

namespace Vireo.Network.Tests.User;

/// <summary>TCP toward a guest whose NIC takes segments larger than the MSS (virtio-net GUEST_TSO4).</summary>
public sealed class LargeSegmentTests
{
    private static (UserNetHarness Net, Socket Client, ushort RemotePort, uint HostNext) Connect(bool largeSegments)
    {
        var options = new UserNetworkOptions
        {
            DnsServers = [],
            HostForwards = [new HostForward(ForwardProtocol.Tcp, IPAddress.Loopback, 0, 80)],
        };
        var net = new UserNetHarness(options);
        net.Guest.AcceptsLargeTcpSegments = largeSegments;
        net.Send(GuestPackets.ArpRequest(GuestPackets.Gateway));
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(net.Backend.ForwardEndPoints[0]);
        (TcpHeader syn, _) = net.ExpectTcp();
        // A 1 MiB window (65535 << 4) so only the segment limit shapes what the stack sends.
        net.Send(GuestPackets.Tcp(80, GuestPackets.Gateway, syn.SourcePort, 7000, syn.Sequence + 1,
            TcpFlags.Syn | TcpFlags.Ack, 65535, [], 1460, 4));
        net.ExpectTcp((t, _) => t.Flags == TcpFlags.Ack);
        return (net, client, syn.SourcePort, syn.Sequence + 1);
    }

    [Fact]
    public void Host_data_reaches_a_tso_guest_in_frames_larger_than_the_mss_with_segment_size_and_valid_checksums()
    {
        (UserNetHarness net, Socket client, _, uint hostNext) = Connect(largeSegments: true);
        using (net)
        using (client)
        {
            byte[] payload = new byte[200_000];
            new Random(5).NextBytes(payload);
            client.Send(payload);
            var received = new MemoryStream();
            int largest = 0;
            while (received.Length < payload.Length)
            {
                byte[]? frame = net.NextTcp((t, d) => d.Length > 0);
                Assert.NotNull(frame);
                // TryTcp verifies the TCP checksum over the whole frame.
                Assert.True(GuestPackets.TryTcp(frame, out TcpHeader tcp, out byte[] data));
                Assert.Equal(hostNext + (uint)received.Length, tcp.Sequence);
                ReceiveOffload offload = net.Guest.OffloadOf(frame);
                Assert.True(offload.ChecksumsValid);
                Assert.True(data.Length <= UserNetworkBackend.MaxLargeSegmentPayload);
                Assert.Equal(data.Length > 1460 ? 1460 : 0, offload.TcpSegmentSize);
                largest = Math.Max(largest, data.Length);
                received.Write(data);
                net.Send(GuestPackets.Tcp(80, GuestPackets.Gateway, tcp.SourcePort, 7001,
                    tcp.Sequence + (uint)data.Length, TcpFlags.Ack, 65535, []));
            }

            Assert.Equal(payload, received.ToArray());
            Assert.True(largest > 1460, $"largest frame payload {largest}: never more than one MSS");
        }
    }

    [Fact]
    public void A_guest_without_tso_gets_mss_sized_segments()
    {
        (UserNetHarness net, Socket client, _, _) = Connect(largeSegments: false);
        using (net)
        using (client)
        {
            client.Send(new byte[20_000]);
            int total = 0;
            while (total < 20_000)
            {
                byte[]? frame = net.NextTcp((t, d) => d.Length > 0);
                Assert.NotNull(frame);
                Assert.True(GuestPackets.TryTcp(frame, out TcpHeader tcp, out byte[] data));
                Assert.True(data.Length <= 1460, $"{data.Length}-byte segment to a guest without TSO");
                Assert.Equal(0, net.Guest.OffloadOf(frame).TcpSegmentSize);
                total += data.Length;
                net.Send(GuestPackets.Tcp(80, GuestPackets.Gateway, tcp.SourcePort, 7001,
                    tcp.Sequence + (uint)data.Length, TcpFlags.Ack, 65535, []));
            }
        }
    }
}
