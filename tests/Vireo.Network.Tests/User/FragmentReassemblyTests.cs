using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Vireo.Network.Packets;
using Vireo.Network.User;

namespace Vireo.Network.Tests.User;

/// <summary>IPv4 reassembly of fragmented UDP datagrams from the guest, and its limits.</summary>
public sealed class FragmentReassemblyTests
{
    private const ushort Id = 4242;

    /// <summary>A UDP segment (header + data, checksummed) from the guest to <paramref name="destination"/>.</summary>
    private static byte[] UdpSegment(byte[] data, ushort destinationPort, uint destination = GuestPackets.Gateway)
    {
        byte[] segment = new byte[UdpHeader.Length + data.Length];
        data.CopyTo(segment, UdpHeader.Length);
        UdpHeader.Write(segment, GuestPackets.Guest, destination, 5555, destinationPort, data.Length);
        return segment;
    }

    /// <summary>One IPv4 packet carrying bytes [offset, offset + length) of <paramref name="payload"/>.</summary>
    private static byte[] Fragment(byte[] payload, int offset, int length, bool more, ushort id = Id,
        uint destination = GuestPackets.Gateway)
    {
        byte[] packet = new byte[Ipv4Header.MinLength + length];
        payload.AsSpan(offset, length).CopyTo(packet.AsSpan(Ipv4Header.MinLength));
        Ipv4Header.Write(packet, GuestPackets.Guest, destination, Ipv4Header.ProtocolUdp, length, id);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum.Compute(packet.AsSpan(0, 20)));
        return packet;
    }

    private static byte[]? Add(Ipv4Reassembler reassembler, byte[] packet, long now, out int length)
    {
        Assert.True(Ipv4Header.TryRead(packet, out Ipv4Header ip, out _));
        return reassembler.Add(ip, packet, now, out length);
    }

    [Fact]
    public void Fragments_in_any_order_give_back_the_whole_datagram()
    {
        byte[] payload = UdpSegment(RandomBytes(3000, 1), 9);
        int[][] orders = [[0, 1, 2], [2, 0, 1], [1, 2, 0]];
        foreach (int[] order in orders)
        {
            var reassembler = new Ipv4Reassembler(TimeSpan.FromSeconds(30));
            byte[][] fragments = [Fragment(payload, 0, 1480, true), Fragment(payload, 1480, 1480, true),
                Fragment(payload, 2960, payload.Length - 2960, false)];
            byte[]? whole = null;
            int length = 0;
            for (int i = 0; i < 3; i++)
            {
                Assert.Null(whole);
                whole = Add(reassembler, fragments[order[i]], 0, out length);
            }

            Assert.NotNull(whole);
            Assert.True(Ipv4Header.TryRead(whole.AsSpan(0, length), out Ipv4Header ip, out ReadOnlySpan<byte> data));
            Assert.False(ip.IsFragment);
            Assert.Equal(20 + payload.Length, ip.TotalLength);
            Assert.Equal(payload, data.ToArray());
            Assert.True(UdpHeader.TryRead(ip, data, out _, out _), "the reassembled UDP checksum verifies");
            Assert.Equal(0, reassembler.Pending);
            Assert.Equal(0, reassembler.Failures);
            ArrayPool<byte>.Shared.Return(whole);
        }
    }

    [Fact]
    public void Overlaps_inconsistent_ends_and_odd_sized_middle_fragments_abandon_the_datagram()
    {
        byte[] payload = UdpSegment(RandomBytes(3000, 2), 9);
        var reassembler = new Ipv4Reassembler(TimeSpan.FromSeconds(30));

        Assert.Null(Add(reassembler, Fragment(payload, 0, 1480, true), 0, out _));
        Assert.Null(Add(reassembler, Fragment(payload, 1472, 1480, true), 0, out _)); // overlaps the first
        Assert.Equal(1, reassembler.Failures);
        Assert.Equal(0, reassembler.Pending);

        Assert.Null(Add(reassembler, Fragment(payload, 1480, 1480, true), 0, out _));
        Assert.Null(Add(reassembler, Fragment(payload, 0, 1000, false), 0, out _)); // ends before held data
        Assert.Equal(2, reassembler.Failures);

        Assert.Null(Add(reassembler, Fragment(payload, 0, 1001, true), 0, out _)); // not a multiple of 8
        Assert.Equal(3, reassembler.Failures);

        Assert.Null(Add(reassembler, Fragment(payload, 2960, payload.Length - 2960, false), 0, out _));
        Assert.Null(Add(reassembler, Fragment(payload, 2000, 1000, false), 0, out _)); // a second, different end
        Assert.Equal(4, reassembler.Failures);
        Assert.Equal(0, reassembler.Pending);
    }

    [Fact]
    public void Limits_on_fragments_datagrams_and_time_hold()
    {
        byte[] payload = UdpSegment(RandomBytes(2000, 3), 9);
        var reassembler = new Ipv4Reassembler(TimeSpan.FromSeconds(30));
        for (int i = 0; i < Ipv4Reassembler.MaxFragments; i++)
        {
            Assert.Null(Add(reassembler, Fragment(payload, i * 8, 8, true), 0, out _));
        }

        Assert.Equal(0, reassembler.Failures);
        Assert.Null(Add(reassembler, Fragment(payload, Ipv4Reassembler.MaxFragments * 8, 8, true), 0, out _));
        Assert.Equal(1, reassembler.Failures);
        Assert.Equal(0, reassembler.Pending);

        for (int i = 0; i < Ipv4Reassembler.MaxDatagrams; i++)
        {
            Assert.Null(Add(reassembler, Fragment(payload, 0, 1480, true, (ushort)i), i, out _));
        }

        Assert.Null(Add(reassembler, Fragment(payload, 0, 1480, true, 999), 0, out _));
        Assert.Equal(2, reassembler.Failures);
        Assert.Equal(Ipv4Reassembler.MaxDatagrams, reassembler.Pending);

        // Datagram i started at i ms: at 30,007 ms the first eight (0..7) are 30 s old.
        reassembler.Expire(30_007);
        Assert.Equal(Ipv4Reassembler.MaxDatagrams - 8, reassembler.Pending);
        Assert.Equal(10, reassembler.Failures);
        reassembler.Expire(60_000);
        Assert.Equal(0, reassembler.Pending);
    }

    [Fact]
    public void Random_fragments_never_throw_and_never_exceed_the_table()
    {
        var random = new Random(77);
        var reassembler = new Ipv4Reassembler(TimeSpan.FromSeconds(30));
        byte[] payload = RandomBytes(65535, 4);
        for (int i = 0; i < 10_000; i++)
        {
            int offset = random.Next(0, 64) * 8;
            int length = random.Next(1, 200);
            bool more = random.Next(4) != 0;
            if (more)
            {
                length = Math.Max(8, length & ~7);
            }

            byte[] packet = Fragment(payload, offset, length, more, (ushort)random.Next(0, 24));
            byte[]? whole = Add(reassembler, packet, i, out int wholeLength);
            if (whole is not null)
            {
                Assert.True(Ipv4Header.TryRead(whole.AsSpan(0, wholeLength), out Ipv4Header ip, out _));
                Assert.False(ip.IsFragment);
                ArrayPool<byte>.Shared.Return(whole);
            }

            Assert.InRange(reassembler.Pending, 0, Ipv4Reassembler.MaxDatagrams);
            if (i % 1000 == 0)
            {
                reassembler.Expire(i);
            }
        }

        Assert.True(reassembler.Failures > 0);
        reassembler.Clear();
        Assert.Equal(0, reassembler.Pending);
    }

    [Fact]
    public void A_fragmented_udp_datagram_from_the_guest_reaches_the_host_whole()
    {
        using var service = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        service.Client.ReceiveTimeout = 5000;
        ushort port = (ushort)((IPEndPoint)service.Client.LocalEndPoint!).Port;
        using var net = new UserNetHarness();
        byte[] data = RandomBytes(4000, 5);
        byte[] payload = UdpSegment(data, port);
        // Out of order, as a guest's driver may well deliver them.
        net.Send(Ethernet(Fragment(payload, 2960, payload.Length - 2960, false, 7)));
        net.Send(Ethernet(Fragment(payload, 0, 1480, true, 7)));
        net.Send(Ethernet(Fragment(payload, 1480, 1480, true, 7)));
        IPEndPoint from = new(IPAddress.Any, 0);
        Assert.Equal(data, service.Receive(ref from));
        Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, net.Backend.Counters.Fragments);
        Assert.Equal(1, net.Backend.Counters.DatagramsReassembled);
        Assert.Equal(0, net.Backend.Counters.ReassemblyFailures);

        // Datagrams missing a piece are dropped when the timeout passes, and each one is counted.
        net.Send(Ethernet(Fragment(payload, 0, 1480, true, 8)));
        net.Send(Ethernet(Fragment(payload, 0, 1480, true, 9)));
        Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
        net.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, net.Backend.Counters.ReassemblyFailures);
        net.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, net.Backend.Counters.ReassemblyFailures);
    }

    [Fact]
    public void A_host_reply_larger_than_a_frame_reaches_the_guest_as_fragments()
    {
        using var service = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        service.Client.ReceiveTimeout = 5000;
        ushort port = (ushort)((IPEndPoint)service.Client.LocalEndPoint!).Port;
        using var net = new UserNetHarness();
        net.Send(GuestPackets.Udp(GuestPackets.Guest, 5555, GuestPackets.Gateway, port, "ask"u8));
        IPEndPoint from = new(IPAddress.Any, 0);
        Assert.Equal("ask"u8.ToArray(), service.Receive(ref from));
        byte[] reply = RandomBytes(4000, 6);
        service.Send(reply, from);

        // 8 + 4000 bytes of UDP: fragments of 1480, 1480 and 1048 bytes, reassembled here as the guest would.
        var reassembler = new Ipv4Reassembler(TimeSpan.FromSeconds(30));
        byte[]? whole = null;
        int length = 0;
        int fragments = 0;
        while (whole is null)
        {
            byte[]? frame = net.Guest.Next(f => GuestPackets.TryIp(f, out Ipv4Header i, out _) && i.IsFragment);
            Assert.NotNull(frame);
            Assert.True(frame.Length <= EthernetHeader.MaxFrameLength);
            fragments++;
            whole = Add(reassembler, frame[EthernetHeader.Length..], 0, out length);
        }

        Assert.Equal(3, fragments);
        Assert.True(Ipv4Header.TryRead(whole.AsSpan(0, length), out Ipv4Header ip, out ReadOnlySpan<byte> segment));
        Assert.Equal(GuestPackets.Gateway, ip.Source);
        Assert.True(UdpHeader.TryRead(ip, segment, out UdpHeader udp, out ReadOnlySpan<byte> data));
        Assert.Equal(port, udp.SourcePort);
        Assert.Equal(5555, udp.DestinationPort);
        Assert.Equal(reply, data.ToArray());
        ArrayPool<byte>.Shared.Return(whole);
    }

    private static byte[] Ethernet(byte[] packet) =>
        GuestPackets.Ethernet(GuestPackets.GatewayMac, EthernetHeader.TypeIpv4, packet);

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
