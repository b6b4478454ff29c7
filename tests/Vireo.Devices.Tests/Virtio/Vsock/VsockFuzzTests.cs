using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Vsock;

namespace Vireo.Devices.Tests.Virtio.Vsock;

/// <summary>
/// 10,000 random packets and chain shapes (fixed seed) from a hostile guest: the host never throws, the device never
/// needs a reset (every chain is well formed at ring level), bad packets are counted, host memory stays bounded, and
/// a clean connection still works afterwards.
/// </summary>
public sealed class VsockFuzzTests
{
    private static readonly VsockOp[] s_ops =
    [
        VsockOp.Invalid, VsockOp.Request, VsockOp.Response, VsockOp.Rst, VsockOp.Shutdown,
        VsockOp.ReadWrite, VsockOp.CreditUpdate, VsockOp.CreditRequest, (VsockOp)8, (VsockOp)0xffff,
    ];

    [Fact]
    public async Task TenThousandRandomPackets()
    {
        using var guest = new VsockTestGuest(bufferSize: 8192);
        var streams = new List<VsockStream>();
        guest.Device.GuestConnect = incoming =>
        {
            // Accept some, refuse some, leave some pending: every branch of the handshake gets hit.
            switch (incoming.GuestPort % 3)
            {
                case 0:
                    lock (streams)
                    {
                        streams.Add(incoming.Accept()!);
                    }

                    break;
                case 1:
                    incoming.Refuse();
                    break;
            }
        };

        // Some host-initiated connections too, which random RESPONSEs may complete.
        var connects = new List<Task<VsockStream>>();
        for (int i = 0; i < 4; i++)
        {
            connects.Add(guest.Device.ConnectAsync((uint)i));
        }

        var random = new Random(20261208);
        byte[] payload = new byte[VsockTestGuest.MaxTxPayload];
        for (int round = 0; round < 10_000; round++)
        {
            VsockHeader header = guest.Header(
                s_ops[random.Next(s_ops.Length)],
                guestPort: (uint)random.Next(8),
                hostPort: random.Next(4) == 0 ? VirtioVsockDevice.FirstEphemeralPort + (uint)random.Next(4) : (uint)random.Next(8),
                bufferAllocation: (uint)random.Next(4) switch { 0 => 0, 1 => uint.MaxValue, _ => (uint)random.Next(1 << 20) },
                forwardCount: (uint)random.Next(),
                flags: (uint)random.Next(4));
            if (random.Next(20) == 0)
            {
                header.SourceCid = (ulong)random.Next(10);
            }

            if (random.Next(20) == 0)
            {
                header.Type = (ushort)random.Next(4);
            }

            int length = random.Next(3) == 0 ? 0 : random.Next(payload.Length);
            random.NextBytes(payload.AsSpan(0, length));
            header.Length = (uint)length;
            if (random.Next(20) == 0)
            {
                header.Length = (uint)random.Next();
            }

            byte[] raw = new byte[VsockHeader.Size + length];
            header.Write(raw);
            payload.AsSpan(0, length).CopyTo(raw.AsSpan(VsockHeader.Size));
            if (random.Next(30) == 0)
            {
                random.NextBytes(raw);
            }

            ulong address = guest.TxArea;
            guest.Driver.WriteBytes(address, raw);
            switch (random.Next(6))
            {
                case 0:
                    // Split into up to four readable pieces.
                    int cut1 = random.Next(raw.Length + 1);
                    int cut2 = random.Next(cut1, raw.Length + 1);
                    var pieces = new List<(ulong, uint, bool)>();
                    foreach ((int from, int to) in new[] { (0, cut1), (cut1, cut2), (cut2, raw.Length) })
                    {
                        if (to > from)
                        {
                            pieces.Add((address + (ulong)from, (uint)(to - from), false));
                        }
                    }

                    guest.SendChain(pieces.ToArray());
                    break;
                case 1:
                    // A trailing device-writable buffer, or a truncated one.
                    if (random.Next(2) == 0)
                    {
                        guest.SendChain((address, (uint)raw.Length, false), (address + (ulong)raw.Length + 16, 32, true));
                    }
                    else
                    {
                        guest.SendChain((address, (uint)random.Next(1, raw.Length + 1), false));
                    }

                    break;
                default:
                    guest.SendChain((address, (uint)raw.Length, false));
                    break;
            }

            // Host traffic on whatever got connected, now and then.
            if (random.Next(50) == 0)
            {
                lock (streams)
                {
                    foreach (VsockStream stream in streams)
                    {
                        _ = stream.WriteAsync(new byte[random.Next(1, 3000)]).AsTask().ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                    }

                    streams.Clear();
                }
            }

            if (round % 64 == 0)
            {
                guest.Drain();
            }
        }

        guest.Drain();
        Assert.Equal(0u, guest.Driver.Status & VirtioDeviceStatus.DeviceNeedsReset);
        VsockCounters counters = guest.Device.Counters;
        Assert.True(counters.MalformedPackets > 100, $"malformed {counters.MalformedPackets}");
        Assert.True(counters.MisaddressedPackets > 100, $"misaddressed {counters.MisaddressedPackets}");
        Assert.True(counters.ProtocolViolations > 100, $"violations {counters.ProtocolViolations}");
        Assert.True(counters.ResetsSent > 100, $"resets {counters.ResetsSent}");
        Assert.InRange(guest.Device.ConnectionCount, 0, 8 * 12);

        // Reset whatever survived, then a clean host connection still works end to end.
        for (uint guestPort = 0; guestPort < 8; guestPort++)
        {
            for (uint hostPort = 0; hostPort < 8; hostPort++)
            {
                guest.Send(guest.Header(VsockOp.Rst, guestPort, hostPort));
            }
        }

        guest.Drain();
        Task<VsockStream> connect = guest.Device.ConnectAsync(100);
        (VsockHeader request, _) = FirstOf(guest, VsockOp.Request);
        guest.Send(guest.Header(VsockOp.Response, 100, request.SourcePort));
        VsockStream clean = await connect.WaitAsync(TimeSpan.FromSeconds(30));
        await clean.WriteAsync(new byte[] { 42 });
        (VsockHeader data, byte[] bytes) = FirstOf(guest, VsockOp.ReadWrite);
        Assert.Equal(100u, data.DestinationPort);
        Assert.Equal(new byte[] { 42 }, bytes);
        GC.KeepAlive(connects);
    }

    private static (VsockHeader Header, byte[] Payload) FirstOf(VsockTestGuest guest, VsockOp op)
    {
        while (true)
        {
            (VsockHeader header, byte[] payload) = guest.Receive();
            if (header.Op == op && header.DestinationPort == 100)
            {
                return (header, payload);
            }
        }
    }
}
