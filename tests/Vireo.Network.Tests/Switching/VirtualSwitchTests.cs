using Vireo.Network.Packets;
using Vireo.Network.Switching;

namespace Vireo.Network.Tests.Switching;

public sealed class VirtualSwitchTests
{
    private static readonly MacAddress s_a = new(0x0200_0000_000AUL);
    private static readonly MacAddress s_b = new(0x0200_0000_000BUL);
    private static readonly MacAddress s_c = new(0x0200_0000_000CUL);

    internal static byte[] Frame(MacAddress destination, MacAddress source, byte tag)
    {
        byte[] frame = new byte[60];
        new EthernetHeader(destination, source, 0x88B5).Write(frame);
        frame[14] = tag;
        return frame;
    }

    [Fact]
    public void Unknown_and_broadcast_flood_learned_unicast_goes_to_one_port()
    {
        var clock = new ManualTimeProvider();
        var sw = new VirtualSwitch(clock);
        var ra = new FrameCollector();
        var rb = new FrameCollector();
        var rc = new FrameCollector();
        SwitchPort pa = sw.AddPort(ra, "a");
        SwitchPort pb = sw.AddPort(rb, "b");
        SwitchPort pc = sw.AddPort(rc, "c");

        // A -> B, B unknown: flooded to B and C, never back to A.
        pa.Send(Frame(s_b, s_a, 1));
        Assert.Equal(0, ra.Count);
        Assert.Equal(1, rb.Count);
        Assert.Equal(1, rc.Count);
        Assert.Same(pa, sw.Lookup(s_a));

        // B -> A: A was learned, only A gets it; B is learned too.
        pb.Send(Frame(s_a, s_b, 2));
        Assert.Equal(1, ra.Count);
        Assert.Equal(1, rc.Count);
        rb.Clear();
        rc.Clear();
        pa.Send(Frame(s_b, s_a, 3));
        Assert.Equal(1, rb.Count);
        Assert.Equal(0, rc.Count);

        // Broadcast and multicast always flood.
        ra.Clear();
        rb.Clear();
        pc.Send(Frame(MacAddress.Broadcast, s_c, 4));
        pc.Send(Frame(new MacAddress(0x0100_5E00_0001UL), s_c, 5));
        Assert.Equal(2, ra.Count);
        Assert.Equal(2, rb.Count);
        Assert.Equal(3, pa.Counters.FramesOut);
        Assert.Equal(4, pb.Counters.FramesOut);
        Assert.Equal(2, pc.Counters.FramesIn);
    }

    [Fact]
    public void Learned_addresses_age_out_and_move_between_ports()
    {
        var clock = new ManualTimeProvider();
        var sw = new VirtualSwitch(clock, TimeSpan.FromSeconds(300));
        var ra = new FrameCollector();
        var rb = new FrameCollector();
        var rc = new FrameCollector();
        SwitchPort pa = sw.AddPort(ra);
        SwitchPort pb = sw.AddPort(rb);
        SwitchPort pc = sw.AddPort(rc);
        pa.Send(Frame(MacAddress.Broadcast, s_a, 1));
        clock.Advance(TimeSpan.FromSeconds(299));
        Assert.Same(pa, sw.Lookup(s_a));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(sw.Lookup(s_a));
        Assert.Equal(0, sw.MacTableCount);

        // A VM migrating to another port is re-learned there.
        pa.Send(Frame(MacAddress.Broadcast, s_a, 2));
        pc.Send(Frame(MacAddress.Broadcast, s_a, 3));
        Assert.Same(pc, sw.Lookup(s_a));
        rc.Clear();
        ra.Clear();
        pb.Send(Frame(s_a, s_b, 4));
        Assert.Equal(1, rc.Count);
        Assert.Equal(0, ra.Count);
    }

    [Fact]
    public void Malformed_frames_are_counted_and_unplugged_ports_forgotten()
    {
        var sw = new VirtualSwitch(new ManualTimeProvider());
        var ra = new FrameCollector();
        var rb = new FrameCollector();
        SwitchPort pa = sw.AddPort(ra);
        SwitchPort pb = sw.AddPort(rb);
        pa.Send(new byte[5]);
        pa.Send(Frame(s_b, MacAddress.Broadcast, 1));
        Assert.Equal(2, pa.Counters.Dropped);
        Assert.Equal(0, rb.Count);

        pb.Send(Frame(MacAddress.Broadcast, s_b, 1));
        Assert.Same(pb, sw.Lookup(s_b));
        pb.Dispose();
        Assert.Null(sw.Lookup(s_b));
        Assert.Single(sw.Ports);
        rb.Busy = true;
        pa.Send(Frame(s_b, s_a, 2));
        Assert.Equal(0, rb.Count);
    }

    [Fact]
    public void Busy_receivers_count_drops()
    {
        var sw = new VirtualSwitch(new ManualTimeProvider());
        var ra = new FrameCollector();
        var rb = new FrameCollector { Busy = true };
        SwitchPort pa = sw.AddPort(ra);
        SwitchPort pb = sw.AddPort(rb);
        pa.Send(Frame(MacAddress.Broadcast, s_a, 1));
        Assert.Equal(1, pb.Counters.Dropped);
        Assert.Equal(0, pb.Counters.FramesOut);
    }

    [Fact]
    public void Two_clients_exchange_frames_over_a_real_unix_socket()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vireo-sw-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var sw = new VirtualSwitch();
        using var server = new SwitchServer(path, sw);
        var ra = new FrameCollector();
        var rb = new FrameCollector();
        using var a = new SwitchClientBackend(path);
        using var b = new SwitchClientBackend(path);
        a.Attach(ra);
        b.Attach(rb);
        SpinWait.SpinUntil(() => sw.Ports.Count == 2, 5000);
        Assert.Equal(2, sw.Ports.Count);

        byte[] hello = Frame(MacAddress.Broadcast, s_a, 7);
        a.Send(hello);
        byte[]? got = rb.Next(_ => true);
        Assert.Equal(hello, got);

        byte[] reply = Frame(s_a, s_b, 8);
        b.Send(reply);
        Assert.Equal(reply, ra.Next(_ => true));

        // A big frame (jumbo) and many small ones arrive intact and in order.
        byte[] jumbo = new byte[9000];
        new Random(3).NextBytes(jumbo);
        new EthernetHeader(s_b, s_a, 0x88B5).Write(jumbo);
        a.Send(jumbo);
        Assert.Equal(jumbo, rb.Next(_ => true));
        for (byte i = 0; i < 100; i++)
        {
            a.Send(Frame(s_b, s_a, i));
        }

        for (byte i = 0; i < 100; i++)
        {
            byte[]? frame = rb.Next(_ => true);
            Assert.NotNull(frame);
            Assert.Equal(i, frame[14]);
        }

        // A client that leaves is unplugged.
        b.Dispose();
        SpinWait.SpinUntil(() => sw.Ports.Count == 1, 5000);
        Assert.Single(sw.Ports);
    }

    [Fact]
    public void Connecting_to_a_missing_switch_is_a_clear_error()
    {
        var error = Assert.Throws<NetworkOptionsException>(() => new SwitchClientBackend("/nonexistent/vireo.sock"));
        Assert.Contains("vireo switch serve /nonexistent/vireo.sock", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_server_on_a_live_path_is_refused_and_a_stale_file_replaced()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vireo-sw-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        using (var first = new SwitchServer(path, new VirtualSwitch()))
        {
            var error = Assert.Throws<NetworkOptionsException>(() => new SwitchServer(path, new VirtualSwitch()));
            Assert.Contains("already served", error.Message, StringComparison.Ordinal);
        }

        File.WriteAllText(path, "stale");
        using var second = new SwitchServer(path, new VirtualSwitch());
        using var client = new SwitchClientBackend(path);
    }
}
