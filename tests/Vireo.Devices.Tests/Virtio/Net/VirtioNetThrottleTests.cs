using Vireo.Core.Tests.Throttling;
using Vireo.Core.Throttling;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Net;
using Vireo.Network.Packets;

namespace Vireo.Devices.Tests.Virtio.Net;

/// <summary>virtio-net with rate limits each way, at register level, on a hand-moved clock.</summary>
public sealed class VirtioNetThrottleTests
{
    private const ulong Features = VirtioFeatures.Version1 | VirtioNetFeatures.Mac | VirtioNetFeatures.Status;
    private static readonly MacAddress s_mac = new(0x5254_0012_3456UL);
    private readonly ManualClock _clock = new();

    [Fact]
    public void Transmit_over_the_packet_limit_is_held_until_tokens_come_and_a_live_update_lets_it_go()
    {
        var backend = new RecordingBackend();
        var device = new VirtioNetDevice(backend, s_mac, new NetLimitOptions(Transmit: RateLimitOptions.PerSecond(0, 10)), _clock);
        using var driver = new VirtioTestDriver(device);
        TestQueue tx = driver.Start(Features, 16, 2)[1];
        for (int i = 0; i < 3; i++)
        {
            ulong chain = driver.Alloc(112);
            driver.WriteBytes(chain, [.. new byte[12], .. Frame(100, (byte)i)]);
            tx.Publish(tx.AddChain((chain, 112, false)));
        }

        driver.Notify(1);
        driver.WaitUsed(tx, 1);
        Thread.Sleep(50);
        Assert.Single(backend.Sent); // one token in a 10 pps bucket

        _clock.Advance(TimeSpan.FromMilliseconds(100));
        driver.WaitUsed(tx, 2);
        Assert.Equal(2, backend.Sent.Count);

        device.UpdateLimits(NetLimitOptions.None); // no clock movement
        driver.WaitUsed(tx, 3);
        Assert.Equal(3, backend.Sent.Count);
        VirtioNetStats stats = device.Stats;
        Assert.Equal((300L, 3L), (stats.TxBytes, stats.TxPackets));
        Assert.True(stats.TxThrottledTime >= TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Receive_is_paced_to_its_byte_rate_and_a_backed_up_direction_refuses_and_counts()
    {
        var backend = new RecordingBackend();
        // 10,000 bytes per second: the bucket holds 1,000 bytes, one 1,000-byte frame.
        var device = new VirtioNetDevice(backend, s_mac, new NetLimitOptions(Receive: RateLimitOptions.PerSecond(10_000, 0)), _clock);
        using var driver = new VirtioTestDriver(device);
        TestQueue rx = driver.Start(Features, 16, 2)[0];
        for (int i = 0; i < 8; i++)
        {
            rx.Publish(rx.AddChain((driver.Alloc(1526), 1526, true)));
        }

        driver.Notify(0);
        Assert.True(backend.Inject(Frame(1000, 1)));
        Assert.True(backend.Inject(Frame(1000, 2)));
        driver.WaitUsed(rx, 1);
        Thread.Sleep(50);
        Assert.Equal(1, rx.UsedIdx);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        driver.WaitUsed(rx, 2);

        // Far more than the backlog the limited direction may hold: the excess is refused, counted, never queued.
        int refused = 0;
        for (int i = 0; i < 400; i++)
        {
            refused += backend.Inject(Frame(1500, 3)) ? 0 : 1;
        }

        Assert.True(refused > 200);
        Assert.Equal(refused, device.Stats.RxThrottleDropped);
        Assert.True(device.Stats.RxQueueDepth * 1500 <= VirtioNetDevice.RxThrottledBacklogBytes + 1500);
    }

    private static byte[] Frame(int length, byte seed)
    {
        byte[] frame = new byte[length];
        for (int i = 0; i < length; i++)
        {
            frame[i] = (byte)(seed + i);
        }

        new EthernetHeader(MacAddress.Broadcast, new MacAddress(0x0200_0000_0001UL), 0x88B5).Write(frame);
        return frame;
    }
}
