using System.Buffers.Binary;
using System.Net.Sockets;
using Vireo.Network.Packets;
using Vireo.Network.Switching;

namespace Vireo.Network.Tests.Switching;

public sealed class SwitchServerOffloadTests
{
    private const int Mss = 1460;
    private static readonly MacAddress s_old = new(0x0200_0000_00EEUL);

    private static string SocketPath() =>
        Path.Combine(Path.GetTempPath(), $"vireo-sw-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");

    /// <summary>A client speaking the original protocol: no hello, 16-bit length then frame.</summary>
    private static Socket OldClient(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static void SendRaw(Socket socket, ReadOnlySpan<byte> message)
    {
        byte[] copy = message.ToArray();
        int sent = 0;
        while (sent < copy.Length)
        {
            sent += socket.Send(copy.AsSpan(sent));
        }
    }

    private static byte[] ReceiveExactly(Socket socket, int length)
    {
        byte[] data = new byte[length];
        int got = 0;
        socket.ReceiveTimeout = 5000;
        while (got < length)
        {
            int n = socket.Receive(data.AsSpan(got));
            Assert.True(n > 0);
            got += n;
        }

        return data;
    }

    private static byte[] OldFormat(ReadOnlySpan<byte> frame)
    {
        byte[] message = new byte[2 + frame.Length];
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)frame.Length);
        frame.CopyTo(message.AsSpan(2));
        return message;
    }

    private static byte[] OffloadFormat(ReadOnlySpan<byte> frame, byte flags, byte reserved, ushort segmentSize)
    {
        byte[] message = new byte[8 + frame.Length];
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)frame.Length);
        message[4] = flags;
        message[5] = reserved;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), segmentSize);
        frame.CopyTo(message.AsSpan(8));
        return message;
    }

    [Fact]
    public void Large_segment_crosses_the_socket_whole_between_new_clients_and_segmented_to_an_old_one()
    {
        string path = SocketPath();
        var sw = new VirtualSwitch();
        using var server = new SwitchServer(path, sw);
        var ra = new FrameCollector();
        var rb = new FrameCollector { AcceptsLargeTcpSegments = true };
        using var a = new SwitchClientBackend(path);
        using var b = new SwitchClientBackend(path);
        using Socket old = OldClient(path);
        a.Attach(ra);
        b.Attach(rb);
        Assert.True(SpinWait.SpinUntil(() => a.AcceptsLargeTcpSegments && b.AcceptsLargeTcpSegments, 5000));
        Assert.True(SpinWait.SpinUntil(() => sw.Ports.Count == 3, 5000));

        byte[] data = SwitchOffloadTests.Payload(20_000);
        byte[] frame = SwitchOffloadTests.LargeSegment(data, seq: 5);
        Assert.True(a.Send(frame, new ReceiveOffload(true, Mss)));

        byte[]? whole = rb.Next(_ => true);
        Assert.NotNull(whole);
        Assert.Equal(frame, whole);
        Assert.Equal(new ReceiveOffload(true, Mss), rb.OffloadOf(whole));

        // The old client gets ordinary frames in the original format; the hello never reached it.
        var segments = new List<byte[]>();
        for (int i = 0; i < (data.Length + Mss - 1) / Mss; i++)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(ReceiveExactly(old, 2));
            Assert.NotEqual(0, length);
            segments.Add(ReceiveExactly(old, length));
        }

        SwitchOffloadTests.AssertSegmentsOf(data, 5, segments);
        Assert.Equal(0, server.Malformed);
    }

    [Fact]
    public void Malformed_offload_messages_from_a_peer_are_dropped_and_counted_and_the_link_survives()
    {
        string path = SocketPath();
        var sw = new VirtualSwitch();
        using var server = new SwitchServer(path, sw);
        var rb = new FrameCollector { AcceptsLargeTcpSegments = true };
        using var b = new SwitchClientBackend(path);
        b.Attach(rb);
        using Socket rogue = OldClient(path);
        Assert.True(SpinWait.SpinUntil(() => sw.Ports.Count == 2, 5000));
        byte[] tcp = SwitchOffloadTests.LargeSegment(SwitchOffloadTests.Payload(3000));
        byte[] udp = GuestPackets.Udp(GuestPackets.Guest, 5000, GuestPackets.Gateway, 53, new byte[3000]);

        SendRaw(rogue, OffloadFormat(tcp, flags: 0x80, reserved: 0, Mss));
        SendRaw(rogue, OffloadFormat(tcp, flags: 1, reserved: 9, Mss));
        SendRaw(rogue, OffloadFormat([], flags: 1, reserved: 0, Mss));
        SendRaw(rogue, OffloadFormat(udp, flags: 1, reserved: 0, Mss));
        byte[] marker = VirtualSwitchTests.Frame(MacAddress.Broadcast, s_old, 42);
        SendRaw(rogue, OldFormat(marker));

        // Only the marker gets through: the link stayed in sync after every bad message.
        Assert.Equal(marker, rb.Next(_ => true));
        Assert.Equal(3, server.Malformed);
        SwitchPort roguePort = sw.Ports.Single(p => p.Counters.FramesIn == 1);
        Assert.Equal(1, roguePort.Counters.Dropped);
    }

    [Fact]
    public void Client_does_not_send_large_segments_to_a_server_that_never_answers_the_hello()
    {
        string path = SocketPath();
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        try
        {
            using var client = new SwitchClientBackend(path);
            client.Attach(new FrameCollector());
            using Socket served = listener.Accept();

            // The hello an old server would see: a frame with a multicast source, which its switch drops.
            int length = BinaryPrimitives.ReadUInt16BigEndian(ReceiveExactly(served, 2));
            byte[] hello = ReceiveExactly(served, length);
            Assert.True(EthernetHeader.TryRead(hello, out EthernetHeader header));
            Assert.True(header.Source.IsMulticast);

            Assert.False(client.AcceptsLargeTcpSegments);
            Assert.False(client.Send(SwitchOffloadTests.LargeSegment(new byte[3000]), new ReceiveOffload(true, Mss)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
