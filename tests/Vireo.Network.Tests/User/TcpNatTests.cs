using System.Net;
using System.Net.Sockets;
using System.Text;
using Vireo.Network.Packets;
using Vireo.Network.User;

namespace Vireo.Network.Tests.User;

/// <summary>The TCP implementation toward the guest, with the test playing the guest and a real host peer on loopback.</summary>
public sealed class TcpNatTests : IDisposable
{
    private const ushort GuestPort = 45000;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public TcpNatTests()
    {
        _listener.Start();
    }

    private ushort HostPort => (ushort)((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose() => _listener.Stop();

    /// <summary>SYN from the guest, SYN-ACK checked, host side accepted, handshake completed.</summary>
    private (uint Iss, Socket Host) Connect(UserNetHarness net, uint guestIss = 1000, ushort window = 65535,
        int windowScale = 7)
    {
        net.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, HostPort, guestIss, 0, TcpFlags.Syn, window,
            mss: 1460, windowScale: windowScale));
        (TcpHeader synAck, _) = net.ExpectTcp();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(guestIss + 1, synAck.Acknowledgment);
        Assert.Equal(HostPort, synAck.SourcePort);
        Assert.Equal(GuestPort, synAck.DestinationPort);
        Assert.Equal(1460, synAck.MaxSegmentSize);
        Assert.Equal(windowScale >= 0 ? TcpConnection.OurWindowScale : -1, synAck.WindowScale);
        Assert.True(_listener.Server.Poll(5_000_000, SelectMode.SelectRead));
        Socket host = _listener.AcceptSocket();
        host.ReceiveTimeout = 5000;
        net.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, HostPort, guestIss + 1, synAck.Sequence + 1,
            TcpFlags.Ack, window));
        return (synAck.Sequence, host);
    }

    private static string ReadExactly(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = socket.Receive(buffer, got, count - got, SocketFlags.None);
            Assert.True(n > 0, "host connection closed early");
            got += n;
        }

        return Encoding.ASCII.GetString(buffer);
    }

    private byte[] Data(uint seq, uint ack, string text, TcpFlags extra = TcpFlags.None, ushort window = 65535) =>
        GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, HostPort, seq, ack, TcpFlags.Ack | extra, window,
            Encoding.ASCII.GetBytes(text));

    [Fact]
    public void Handshake_data_both_ways_and_close_from_host()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net);
        using (host)
        {
            net.Send(Data(1001, iss + 1, "hello", TcpFlags.Psh));
            Assert.Equal("hello", ReadExactly(host, 5));
            (TcpHeader ack, _) = net.ExpectTcp((t, d) => d.Length == 0);
            Assert.Equal(1006u, ack.Acknowledgment);

            host.Send("world"u8);
            (TcpHeader seg, byte[] data) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal(iss + 1, seg.Sequence);
            Assert.Equal("world", Encoding.ASCII.GetString(data));
            net.Send(Data(1006, iss + 6, ""));

            host.Shutdown(SocketShutdown.Send);
            (TcpHeader fin, _) = net.ExpectTcp((t, d) => t.Has(TcpFlags.Fin));
            Assert.Equal(iss + 6, fin.Sequence);
            // Guest acknowledges the FIN and closes its side too.
            net.Send(Data(1006, iss + 7, "", TcpFlags.Fin));
            (TcpHeader lastAck, _) = net.ExpectTcp();
            Assert.Equal(1007u, lastAck.Acknowledgment);
            Assert.Equal(0, host.Receive(new byte[16]));
            Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
            // We closed first: TIME-WAIT, then gone after it expires.
            Assert.Equal(1, net.Backend.TcpConnectionCount);
            net.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(0, net.Backend.TcpConnectionCount);
        }
    }

    [Fact]
    public void Zero_window_probes_and_keepalives_from_the_guest_are_acknowledged()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net);
        using (host)
        {
            net.Send(Data(1001, iss + 1, "abc"));
            Assert.Equal("abc", ReadExactly(host, 3));
            (TcpHeader ack, _) = net.ExpectTcp((t, d) => d.Length == 0);
            Assert.Equal(1004u, ack.Acknowledgment);

            // Linux probes a zero window, and keeps an idle connection alive, with an empty segment one byte below the
            // next sequence number: the answer is an ACK carrying the current window.
            net.Send(Data(1003, iss + 1, ""));
            (TcpHeader answer, byte[] data) = net.ExpectTcp();
            Assert.Empty(data);
            Assert.Equal(TcpFlags.Ack, answer.Flags);
            Assert.Equal(1004u, answer.Acknowledgment);
            Assert.True(answer.Window > 0);

            // A plain ACK at the right sequence number is not answered (no ACK ping-pong).
            net.Send(Data(1004, iss + 1, ""));
            Assert.Null(net.NextTcp(null, 300));
        }
    }

    [Fact]
    public void Ack_refused_by_a_busy_guest_nic_is_resent_by_the_timer()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net);
        using (host)
        {
            net.Guest.Busy = true;
            net.Send(Data(1001, iss + 1, "hello", TcpFlags.Psh));
            Assert.Equal("hello", ReadExactly(host, 5));
            Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
            Assert.Null(net.NextTcp(null, 100));

            // The guest will not send again before it hears from us (this ACK may be the window update it waits
            // for), so the retry cannot wait for a guest segment.
            net.Guest.Busy = false;
            net.Advance(TimeSpan.FromMilliseconds(50));
            (TcpHeader ack, byte[] data) = net.ExpectTcp();
            Assert.Empty(data);
            Assert.Equal(1006u, ack.Acknowledgment);
        }
    }

    [Fact]
    public void Close_from_guest_half_closes_the_host_socket()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net);
        using (host)
        {
            net.Send(Data(1001, iss + 1, "bye", TcpFlags.Fin));
            Assert.Equal("bye", ReadExactly(host, 3));
            Assert.Equal(0, host.Receive(new byte[16]));
            (TcpHeader ack, _) = net.ExpectTcp();
            Assert.Equal(1005u, ack.Acknowledgment);
            // The host can still send in CLOSE-WAIT, then closes.
            host.Send("late"u8);
            (TcpHeader seg, byte[] data) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal("late", Encoding.ASCII.GetString(data));
            host.Shutdown(SocketShutdown.Send);
            (TcpHeader fin, _) = net.ExpectTcp((t, d) => t.Has(TcpFlags.Fin));
            Assert.Equal(iss + 5, fin.Sequence);
            net.Send(Data(1005, iss + 6, ""));
            Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
            Thread.Sleep(50);
            Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
            Assert.Equal(0, net.Backend.TcpConnectionCount);
        }
    }

    [Fact]
    public void Out_of_order_segments_are_buffered_and_dup_acked()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net);
        using (host)
        {
            net.Send(Data(1006, iss + 1, "BBBB"));
            (TcpHeader dup, _) = net.ExpectTcp();
            Assert.Equal(1001u, dup.Acknowledgment);
            net.Send(Data(1010, iss + 1, "CC"));
            (TcpHeader dup2, _) = net.ExpectTcp();
            Assert.Equal(1001u, dup2.Acknowledgment);
            net.Send(Data(1001, iss + 1, "AAAAA"));
            (TcpHeader ack, _) = net.ExpectTcp();
            Assert.Equal(1012u, ack.Acknowledgment);
            Assert.Equal("AAAAABBBBCC", ReadExactly(host, 11));
            // A duplicate of old data is acknowledged and not delivered twice.
            net.Send(Data(1001, iss + 1, "AAAAA"));
            (TcpHeader again, _) = net.ExpectTcp();
            Assert.Equal(1012u, again.Acknowledgment);
            net.Send(Data(1012, iss + 1, "D"));
            Assert.Equal("D", ReadExactly(host, 1));
        }
    }

    [Fact]
    public void Unacknowledged_data_is_retransmitted_after_the_rto_with_backoff()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net);
        using (host)
        {
            host.Send("payload"u8);
            (TcpHeader first, byte[] data) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal("payload", Encoding.ASCII.GetString(data));
            net.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Null(net.NextTcp((t, d) => d.Length > 0, 100));
            net.Advance(TimeSpan.FromMilliseconds(600));
            (TcpHeader retry, byte[] again) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal(first.Sequence, retry.Sequence);
            Assert.Equal("payload", Encoding.ASCII.GetString(again));
            Assert.Equal(1, net.Backend.Counters.TcpRetransmissions);
            // Backoff: the next retransmission waits twice as long.
            net.Advance(TimeSpan.FromMilliseconds(1500));
            Assert.Null(net.NextTcp((t, d) => d.Length > 0, 100));
            net.Advance(TimeSpan.FromMilliseconds(600));
            Assert.Equal(first.Sequence, net.ExpectTcp((t, d) => d.Length > 0).Header.Sequence);
            net.Send(Data(1001, iss + 8, ""));
            net.Advance(TimeSpan.FromSeconds(10));
            Assert.Null(net.NextTcp((t, d) => d.Length > 0, 100));
        }
    }

    [Fact]
    public void Zero_window_holds_data_and_is_probed_until_it_opens()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net, window: 0, windowScale: -1);
        using (host)
        {
            host.Send("queued"u8);
            Assert.Null(net.NextTcp((t, d) => d.Length > 0, 300));
            // The probe timer starts once the host data is buffered (real time); then the fake clock fires it.
            byte[]? frame = null;
            for (int i = 0; i < 6 && frame is null; i++)
            {
                net.Advance(TimeSpan.FromMilliseconds(1100 << i));
                frame = net.NextTcp(null, 300);
            }

            Assert.NotNull(frame);
            Assert.True(GuestPackets.TryTcp(frame, out TcpHeader probe, out byte[] probeData));
            Assert.Empty(probeData);
            Assert.Equal(iss, probe.Sequence);
            // The guest answers the probe with an open window: the data follows.
            net.Send(Data(1001, iss + 1, "", window: 1000));
            (TcpHeader seg, byte[] data) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal(iss + 1, seg.Sequence);
            Assert.Equal("queued", Encoding.ASCII.GetString(data));
        }
    }

    [Fact]
    public void A_window_closed_with_data_in_flight_is_probed_after_the_timeout()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net, window: 1000, windowScale: -1);
        using (host)
        {
            host.Send(new byte[3000]);
            (TcpHeader first, byte[] data) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal(iss + 1, first.Sequence);
            Assert.Equal(1000, data.Length);

            // The guest closes its window without acknowledging: the segment is in flight, the window is zero. The
            // timeout must not retransmit into the closed window until it gives up; it hands over to window probes.
            net.Send(Data(1001, iss + 1, "", window: 0));
            byte[]? probe = null;
            for (int i = 0; i < 6 && probe is null; i++)
            {
                net.Advance(TimeSpan.FromMilliseconds(1100 << i));
                probe = net.NextTcp((t, d) => d.Length == 0 && t.Sequence == iss, 300);
            }

            Assert.NotNull(probe);
            net.Send(Data(1001, iss + 1, "", window: 3000));
            (TcpHeader resent, byte[] again) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal(iss + 1, resent.Sequence);
            Assert.True(again.Length > 0);
            Assert.Equal(1, net.Backend.TcpConnectionCount);
        }
    }

    [Fact]
    public void Send_window_limits_data_in_flight()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net, window: 4, windowScale: -1);
        using (host)
        {
            host.Send("abcdefgh"u8);
            (TcpHeader seg, byte[] data) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal("abcd", Encoding.ASCII.GetString(data));
            Assert.Null(net.NextTcp((t, d) => d.Length > 0, 200));
            net.Send(Data(1001, iss + 5, "", window: 4));
            (TcpHeader seg2, byte[] data2) = net.ExpectTcp((t, d) => d.Length > 0);
            Assert.Equal(iss + 5, seg2.Sequence);
            Assert.Equal("efgh", Encoding.ASCII.GetString(data2));
        }
    }

    [Fact]
    public void Rst_from_guest_resets_the_host_connection()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net);
        using (host)
        {
            net.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, HostPort, 1001, 0, TcpFlags.Rst, 0));
            Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
            Assert.Equal(0, net.Backend.TcpConnectionCount);
            SocketError error = SocketError.Success;
            try
            {
                while (host.Receive(new byte[16]) > 0)
                {
                }
            }
            catch (SocketException e)
            {
                error = e.SocketErrorCode;
            }

            Assert.Equal(SocketError.ConnectionReset, error);
        }
    }

    [Fact]
    public void Reset_from_host_sends_rst_to_guest()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net);
        host.LingerState = new LingerOption(true, 0);
        host.Dispose();
        (TcpHeader rst, _) = net.ExpectTcp((t, d) => t.Has(TcpFlags.Rst));
        Assert.Equal(iss + 1, rst.Sequence);
        Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, net.Backend.TcpConnectionCount);
    }

    [Fact]
    public void A_reset_the_busy_guest_nic_refused_is_resent_by_the_timer()
    {
        using var net = new UserNetHarness(new UserNetworkOptions { DnsServers = [], TcpIdleTimeout = TimeSpan.FromSeconds(30) });
        (uint iss, Socket host) = Connect(net);
        using (host)
        {
            // The idle timeout aborts the connection while the guest's NIC takes no frames: the RST is refused. (The
            // handshake's last ACK must be in first, or the idle time would count from the advanced clock.)
            Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
            net.Guest.Busy = true;
            net.Advance(TimeSpan.FromSeconds(31));
            Assert.True(SpinWait.SpinUntil(() => net.Backend.TcpConnectionCount == 0, TimeSpan.FromSeconds(5)));
            Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
            Assert.Null(net.NextTcp(null, 100));

            // The connection is gone, but a guest that only receives on it would never find out: the RST is retried.
            net.Guest.Busy = false;
            net.Advance(TimeSpan.FromMilliseconds(50));
            (TcpHeader rst, _) = net.ExpectTcp((t, d) => t.Has(TcpFlags.Rst));
            Assert.Equal(iss + 1, rst.Sequence);
            Assert.Equal(1001u, rst.Acknowledgment);

            // Once delivered it is not sent again.
            net.Advance(TimeSpan.FromMilliseconds(50));
            Assert.Null(net.NextTcp((t, d) => t.Has(TcpFlags.Rst), 200));
        }
    }

    [Fact]
    public void Refused_host_port_and_unknown_segments_get_rst()
    {
        using var net = new UserNetHarness();
        _listener.Stop();
        net.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, HostPort, 5000, 0, TcpFlags.Syn, 65535,
            mss: 1460));
        (TcpHeader rst, _) = net.ExpectTcp();
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, rst.Flags);
        Assert.Equal(5001u, rst.Acknowledgment);
        net.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, 9, 7, 12345, TcpFlags.Ack, 65535));
        (TcpHeader rst2, _) = net.ExpectTcp();
        Assert.Equal(TcpFlags.Rst, rst2.Flags);
        Assert.Equal(12345u, rst2.Sequence);
    }

    [Fact]
    public void Restrict_refuses_outbound_connections()
    {
        using var net = new UserNetHarness(new UserNetworkOptions { Restrict = true, DnsServers = [] });
        net.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, HostPort, 5000, 0, TcpFlags.Syn, 65535,
            mss: 1460));
        (TcpHeader rst, _) = net.ExpectTcp();
        Assert.True(rst.Has(TcpFlags.Rst));
        Assert.Equal(1, net.Backend.Counters.DroppedPolicy);
        Assert.False(_listener.Server.Poll(200_000, SelectMode.SelectRead));
    }

    [Fact]
    public void Connection_limit_is_enforced_and_counted()
    {
        using var net = new UserNetHarness(new UserNetworkOptions { MaxTcpConnections = 2, DnsServers = [] });
        for (ushort i = 0; i < 3; i++)
        {
            net.Send(GuestPackets.Tcp((ushort)(GuestPort + i), GuestPackets.Gateway, HostPort, 100, 0, TcpFlags.Syn,
                65535, mss: 1460));
        }

        (TcpHeader a, _) = net.ExpectTcp();
        (TcpHeader b, _) = net.ExpectTcp();
        (TcpHeader c, _) = net.ExpectTcp();
        TcpHeader[] replies = [a, b, c];
        Assert.Equal(2, replies.Count(r => r.Flags == (TcpFlags.Syn | TcpFlags.Ack)));
        Assert.Equal(1, replies.Count(r => r.Has(TcpFlags.Rst)));
        Assert.Equal(1, net.Backend.Counters.DroppedLimit);
        Assert.Equal(2, net.Backend.TcpConnectionCount);
    }

    [Fact]
    public void Bulk_transfer_both_ways_is_byte_exact()
    {
        using var net = new UserNetHarness();
        (uint iss, Socket host) = Connect(net, window: 65535, windowScale: 7);
        using (host)
        {
            byte[] payload = new byte[300_000];
            new Random(5).NextBytes(payload);
            var sender = new Thread(() => host.Send(payload));
            sender.Start();
            var received = new MemoryStream();
            uint expect = iss + 1;
            while (received.Length < payload.Length)
            {
                (TcpHeader seg, byte[] data) = net.ExpectTcp((t, d) => d.Length > 0);
                if (seg.Sequence == expect)
                {
                    received.Write(data);
                    expect += (uint)data.Length;
                }

                net.Send(Data(1001, expect, ""));
            }

            Assert.True(sender.Join(5000));
            Assert.Equal(payload, received.ToArray());

            // Guest to host: segments of 1460 bytes.
            uint seq = 1001;
            for (int offset = 0; offset < payload.Length; offset += 1460)
            {
                int n = Math.Min(1460, payload.Length - offset);
                net.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, HostPort, seq, expect, TcpFlags.Ack, 65535,
                    payload.AsSpan(offset, n)));
                seq += (uint)n;
                if (offset % (1460 * 64) == 0)
                {
                    Assert.True(net.Backend.WaitIdle(TimeSpan.FromSeconds(5)));
                }
            }

            byte[] back = new byte[payload.Length];
            int got = 0;
            while (got < back.Length)
            {
                int n = host.Receive(back, got, back.Length - got, SocketFlags.None);
                Assert.True(n > 0);
                got += n;
            }

            Assert.Equal(payload, back);
        }
    }
}
