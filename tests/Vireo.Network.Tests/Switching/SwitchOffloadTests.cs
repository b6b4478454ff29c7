using Vireo.Network.Packets;
using Vireo.Network.Switching;

namespace Vireo.Network.Tests.Switching;

public sealed class SwitchOffloadTests
{
    private const int Mss = 1460;

    internal static byte[] Payload(int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 7 + (i >> 8));
        }

        return data;
    }

    /// <summary>A TCP super-frame from the guest MAC to the gateway MAC with checksums over its whole length.</summary>
    internal static byte[] LargeSegment(byte[] data, uint seq = 1000) =>
        GuestPackets.Tcp(5000, GuestPackets.Gateway, 80, seq, 77, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, 512, data);

    /// <summary>Checks <paramref name="segments"/> are exactly the MSS-sized cut of a super-frame of data.</summary>
    internal static void AssertSegmentsOf(byte[] data, uint seq, IReadOnlyList<byte[]> segments)
    {
        Assert.Equal((data.Length + Mss - 1) / Mss, segments.Count);
        var joined = new List<byte>();
        for (int i = 0; i < segments.Count; i++)
        {
            // TryTcp verifies the IPv4 header checksum and the TCP checksum.
            Assert.True(GuestPackets.TryTcp(segments[i], out TcpHeader tcp, out byte[] chunk));
            bool last = i == segments.Count - 1;
            Assert.Equal(last ? data.Length - (i * Mss) : Mss, chunk.Length);
            Assert.Equal(seq + (uint)(i * Mss), tcp.Sequence);
            Assert.Equal(last ? TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin : TcpFlags.Ack, tcp.Flags);
            Assert.Equal(EthernetHeader.Length + 20 + 20 + chunk.Length, segments[i].Length);
            joined.AddRange(chunk);
        }

        Assert.Equal(data, joined.ToArray());
    }

    private static List<byte[]> Drain(FrameCollector collector)
    {
        var frames = new List<byte[]>();
        while (collector.Next(_ => true, 20) is byte[] frame)
        {
            frames.Add(frame);
        }

        return frames;
    }

    [Fact]
    public void Large_segment_reaches_an_accepting_port_whole_and_others_segmented()
    {
        var sw = new VirtualSwitch(new ManualTimeProvider());
        var sender = new FrameCollector();
        var accepting = new FrameCollector { AcceptsLargeTcpSegments = true };
        var plain = new FrameCollector();
        SwitchPort from = sw.AddPort(sender);
        SwitchPort to = sw.AddPort(accepting);
        SwitchPort toPlain = sw.AddPort(plain);
        byte[] data = Payload(10_000);
        byte[] frame = LargeSegment(data);

        // The gateway MAC is unknown, so the frame floods to both ports.
        from.Send(frame, new ReceiveOffload(ChecksumsValid: true, TcpSegmentSize: Mss));

        List<byte[]> whole = Drain(accepting);
        Assert.Single(whole);
        Assert.Equal(frame, whole[0]);
        Assert.Equal(new ReceiveOffload(true, Mss), accepting.OffloadOf(whole[0]));
        Assert.Equal(1, to.Counters.FramesOut);

        List<byte[]> segments = Drain(plain);
        AssertSegmentsOf(data, 1000, segments);
        Assert.All(segments, s => Assert.Equal(new ReceiveOffload(true, 0), plain.OffloadOf(s)));
        Assert.Equal(segments.Count, toPlain.Counters.FramesOut);
        Assert.Equal(0, toPlain.Counters.Dropped);
        Assert.Empty(Drain(sender));
    }

    [Fact]
    public void Segment_refused_by_a_busy_port_is_counted_as_dropped()
    {
        var sw = new VirtualSwitch(new ManualTimeProvider());
        var busy = new FrameCollector { Busy = true };
        SwitchPort from = sw.AddPort(new FrameCollector());
        SwitchPort to = sw.AddPort(busy);

        from.Send(LargeSegment(Payload(3000)), new ReceiveOffload(true, Mss));

        Assert.Equal(3, to.Counters.Dropped);
        Assert.Equal(0, to.Counters.FramesOut);
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(70_000)]
    public void Impossible_segment_size_is_dropped_and_counted(int segmentSize)
    {
        var sw = new VirtualSwitch(new ManualTimeProvider());
        var receiver = new FrameCollector { AcceptsLargeTcpSegments = true };
        SwitchPort from = sw.AddPort(new FrameCollector());
        sw.AddPort(receiver);

        from.Send(LargeSegment(Payload(3000)), new ReceiveOffload(true, segmentSize));

        Assert.Equal(0, receiver.Count);
        Assert.Equal(1, from.Counters.Dropped);
        Assert.Equal(0, from.Counters.FramesIn);
    }

    [Fact]
    public void Segment_size_on_a_frame_that_is_not_tcp_is_dropped_and_counted()
    {
        var sw = new VirtualSwitch(new ManualTimeProvider());
        var receiver = new FrameCollector { AcceptsLargeTcpSegments = true };
        var plain = new FrameCollector();
        SwitchPort from = sw.AddPort(new FrameCollector());
        sw.AddPort(receiver);
        sw.AddPort(plain);
        byte[] udp = GuestPackets.Udp(GuestPackets.Guest, 5000, GuestPackets.Gateway, 53, Payload(3000));
        byte[] truncated = LargeSegment(Payload(3000))[..40];

        from.Send(udp, new ReceiveOffload(true, Mss));
        from.Send(truncated, new ReceiveOffload(true, Mss));

        Assert.Equal(0, receiver.Count);
        Assert.Equal(0, plain.Count);
        Assert.Equal(2, from.Counters.Dropped);
    }
}
