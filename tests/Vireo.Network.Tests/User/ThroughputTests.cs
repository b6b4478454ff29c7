using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Vireo.Network.Packets;
using Vireo.Network.User;
using Xunit.Abstractions;

namespace Vireo.Network.Tests.User;

/// <summary>
/// Host-to-guest TCP through the NAT with a guest that acknowledges every segment at once. Prints the rate (for
/// docs/performance.md) but does not assert on it: timing belongs in benchmarks.
/// </summary>
public sealed class ThroughputTests(ITestOutputHelper output)
{
    private const ushort GuestPort = 46000;

    [Fact]
    public void Host_to_guest_tcp_moves_16_mib_byte_exact()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        ushort hostPort = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
        var guest = new AckingGuest();
        using var backend = new UserNetworkBackend(new UserNetworkOptions { DnsServers = [] });
        guest.Backend = backend;
        guest.HostPort = hostPort;
        backend.Attach(guest);
        backend.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, hostPort, 1000, 0, TcpFlags.Syn, 65535,
            mss: 1460, windowScale: 7));
        using Socket host = listener.AcceptSocket();
        Assert.True(guest.Established.Wait(5000));

        const int Total = 16 << 20;
        byte[] chunk = new byte[64 * 1024];
        new Random(9).NextBytes(chunk);
        var watch = Stopwatch.StartNew();
        var sender = new Thread(() =>
        {
            for (int sent = 0; sent < Total; sent += chunk.Length)
            {
                host.Send(chunk);
            }
        });
        sender.Start();
        Assert.True(guest.WaitFor(Total, TimeSpan.FromSeconds(60)), $"received {guest.Received} of {Total}");
        watch.Stop();
        Assert.True(sender.Join(5000));
        Assert.Equal(chunk, guest.FirstChunk);
        Assert.Equal(0, backend.Counters.InternalErrors);
        double mbps = Total / watch.Elapsed.TotalSeconds / (1 << 20);
        output.WriteLine($"host->guest through user NAT: {mbps:F1} MiB/s ({backend.Counters.FramesToGuest} frames)");
    }

    /// <summary>Plays the guest: completes the handshake, then acknowledges every in-order segment.</summary>
    private sealed class AckingGuest : IFrameReceiver
    {
        private readonly object _gate = new();
        private uint _expect;
        private long _received;

        public UserNetworkBackend? Backend { get; set; }

        public ushort HostPort { get; set; }

        public ManualResetEventSlim Established { get; } = new();

        public byte[] FirstChunk { get; } = new byte[64 * 1024];

        public long Received => Interlocked.Read(ref _received);

        public bool Receive(ReadOnlySpan<byte> frame)
        {
            if (!GuestPackets.TryTcp(frame.ToArray(), out TcpHeader tcp, out byte[] data))
            {
                return true;
            }

            lock (_gate)
            {
                if (tcp.Flags == (TcpFlags.Syn | TcpFlags.Ack))
                {
                    _expect = tcp.Sequence + 1;
                    Ack();
                    Established.Set();
                    return true;
                }

                if (data.Length > 0 && tcp.Sequence == _expect)
                {
                    long offset = _received;
                    if (offset < FirstChunk.Length)
                    {
                        data.AsSpan(0, (int)Math.Min(data.Length, FirstChunk.Length - offset)).CopyTo(FirstChunk.AsSpan((int)offset));
                    }

                    _expect += (uint)data.Length;
                    Interlocked.Add(ref _received, data.Length);
                    Ack();
                }
            }

            return true;
        }

        private void Ack() => Backend!.Send(GuestPackets.Tcp(GuestPort, GuestPackets.Gateway, HostPort, 1001, _expect,
            TcpFlags.Ack, 65535));

        public bool WaitFor(long total, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            while (Received < total)
            {
                if (watch.Elapsed > timeout)
                {
                    return false;
                }

                Thread.Sleep(5);
            }

            return true;
        }
    }
}
