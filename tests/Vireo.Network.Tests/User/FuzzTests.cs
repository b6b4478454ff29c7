using Vireo.Network.Packets;
using Vireo.Network.User;

namespace Vireo.Network.Tests.User;

/// <summary>Random and mutated frames through the whole user-mode back-end.</summary>
public sealed class FuzzTests
{
    [Fact]
    public void Ten_thousand_random_and_mutated_frames_are_dropped_and_counted_never_thrown()
    {
        using var net = new UserNetHarness(new UserNetworkOptions { DnsServers = [], Restrict = true });
        var random = new Random(1234);
        byte[][] seeds =
        [
            GuestPackets.ArpRequest(GuestPackets.Gateway),
            GuestPackets.Dhcp(DhcpMessage.Discover, 1),
            GuestPackets.Dhcp(DhcpMessage.Request, 2, GuestPackets.Guest, GuestPackets.Gateway),
            GuestPackets.Udp(GuestPackets.Guest, 1000, GuestPackets.Dns, 53, UserNetworkServicesTests.Query(1, "a.b")),
            GuestPackets.Tcp(1000, GuestPackets.Gateway, 22, 1, 0, TcpFlags.Syn, 1000, mss: 1460, windowScale: 2),
            GuestPackets.Tcp(1000, GuestPackets.Gateway, 22, 1, 5, TcpFlags.Ack, 1000, "data"u8),
            GuestPackets.Ip(GuestPackets.Guest, GuestPackets.Gateway, Ipv4Header.ProtocolIcmp, [8, 0, 0xF7, 0xFF, 0, 0, 0, 0]),
        ];
        int sent = 0;
        for (int i = 0; i < 5000; i++)
        {
            byte[] frame = new byte[random.Next(0, 1600)];
            random.NextBytes(frame);
            if (i % 2 == 0 && frame.Length >= 14)
            {
                // Aim half of them at the stack so they get past the Ethernet check.
                GuestPackets.GatewayMac.Write(frame);
                GuestPackets.GuestMac.Write(frame.AsSpan(6));
                frame[12] = 0x08;
                frame[13] = (byte)(i % 4 == 0 ? 0x06 : 0x00);
            }

            net.Send(frame);
            sent++;
        }

        for (int i = 0; i < 5000; i++)
        {
            byte[] frame = (byte[])seeds[i % seeds.Length].Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++)
            {
                int at = 14 + random.Next(frame.Length - 14);
                frame[at] ^= (byte)(1 << random.Next(8));
            }

            if (i % 7 == 0)
            {
                Array.Resize(ref frame, random.Next(14, frame.Length));
            }

            net.Send(frame);
            sent++;
            if (i % 500 == 0)
            {
                Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(10)));
            }
        }

        Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(30)));
        UserNetworkCounters counters = net.Backend.Counters;
        Assert.Equal(10_000, sent);
        Assert.Equal(0, counters.InternalErrors);
        Assert.Equal(sent, counters.FramesFromGuest + counters.DroppedQueueFull);
        Assert.True(counters.DroppedMalformed > 5000, $"malformed {counters.DroppedMalformed}");
        Assert.True(counters.DroppedUnsupported > 0);

        // The stack still works afterwards.
        net.Guest.Clear();
        net.Send(GuestPackets.ArpRequest(GuestPackets.Dns));
        Assert.NotNull(net.Guest.Next(f => EthernetHeader.TryRead(f, out EthernetHeader e) &&
            e.EtherType == EthernetHeader.TypeArp));
    }
}
