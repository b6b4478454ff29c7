using System.Buffers.Binary;
using Vireo.Core.Tests.Throttling;
using Vireo.Core.Throttling;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Block;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>virtio-blk with I/O limits, at register level, on a hand-moved clock.</summary>
public sealed class VirtioBlockThrottleTests
{
    private const ulong Features = VirtioFeatures.Version1 | VirtioBlockFeatures.Flush | VirtioBlockFeatures.SegMax |
        VirtioBlockFeatures.SizeMax;

    private readonly MemoryBlockDevice _disk = new(1 << 20);
    private readonly ManualClock _clock = new();

    [Fact]
    public void Requests_over_the_iops_limit_wait_in_the_device_and_complete_ok_when_tokens_come()
    {
        // 10 operations per second: the bucket holds one.
        var limits = new DiskLimitOptions(Total: RateLimitOptions.PerSecond(0, 10));
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0", limits: limits, time: _clock);
        using var driver = new VirtioTestDriver(device);
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        ulong[] status = new ulong[4];
        for (int i = 0; i < status.Length; i++)
        {
            status[i] = Submit(driver, queue, VirtioBlockRequestType.In, (ulong)i, 512);
        }

        driver.Notify(0);
        driver.WaitUsed(queue, 1);
        VirtioTestDriver.WaitUntil(() => device.Stats.Throttle.Waiting == 3, "three held requests");
        Thread.Sleep(50);
        Assert.Equal(1, queue.UsedIdx);
        Assert.False(driver.Transport.IsIdle); // held requests are in flight
        Assert.Equal(3, device.Stats.Throttle.Waiting);
        Assert.Equal(3, device.Stats.QueueDepth); // taken from the ring, not completed

        _clock.Advance(TimeSpan.FromMilliseconds(100));
        driver.WaitUsed(queue, 2);
        _clock.Advance(TimeSpan.FromMilliseconds(200));
        driver.WaitUsed(queue, 4);
        foreach (ulong address in status)
        {
            Assert.Equal(VirtioBlockStatus.Ok, driver.ReadBytes(address, 1)[0]);
        }

        VirtioBlockStats stats = device.Stats;
        Assert.Equal(4, stats.ReadOperations);
        Assert.Equal(2048, stats.ReadBytes);
        Assert.Equal(3, stats.Throttle.ThrottledRequests);
        Assert.True(stats.Throttle.ThrottledTime >= TimeSpan.FromMilliseconds(500)); // 100 + 200 + 300 ms
    }

    [Fact]
    public void A_flush_is_never_held_behind_throttled_writes()
    {
        var limits = new DiskLimitOptions(Write: RateLimitOptions.PerSecond(4096, 0));
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0", limits: limits, time: _clock);
        using var driver = new VirtioTestDriver(device);
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        Submit(driver, queue, VirtioBlockRequestType.Out, 0, 4096); // takes the bucket and more
        Submit(driver, queue, VirtioBlockRequestType.Out, 8, 4096); // must wait about a second
        ulong flush = Submit(driver, queue, VirtioBlockRequestType.Flush, 0, 0);
        driver.Notify(0);
        driver.WaitUsed(queue, 2);
        Assert.Equal(VirtioBlockStatus.Ok, driver.ReadBytes(flush, 1)[0]);
        Assert.Equal(1, device.Stats.FlushOperations);
        Assert.Equal(1, device.Stats.Throttle.Waiting);
        _clock.Advance(TimeSpan.FromSeconds(1.1));
        driver.WaitUsed(queue, 3);
    }

    [Fact]
    public void UpdateLimits_releases_waiting_requests_at_once_and_unlimited_goes_back_to_the_fast_path()
    {
        var limits = new DiskLimitOptions(Total: RateLimitOptions.PerSecond(0, 1));
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0", limits: limits, time: _clock);
        using var driver = new VirtioTestDriver(device);
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        for (int i = 0; i < 3; i++)
        {
            Submit(driver, queue, VirtioBlockRequestType.In, (ulong)i, 512);
        }

        driver.Notify(0);
        driver.WaitUsed(queue, 1);
        device.UpdateLimits(DiskLimitOptions.None); // no clock movement: the update alone lets them go
        driver.WaitUsed(queue, 3);
        Assert.Equal(DiskLimitOptions.None, device.Limits);
        for (int i = 0; i < 20; i++)
        {
            Submit(driver, queue, VirtioBlockRequestType.In, (ulong)i, 512);
        }

        driver.Notify(0);
        driver.WaitUsed(queue, 23);
        Assert.Equal(2, device.Stats.Throttle.ThrottledRequests); // nothing held after the update
    }

    [Fact]
    public async Task A_reset_lets_held_requests_finish_and_does_not_hang()
    {
        var limits = new DiskLimitOptions(Total: RateLimitOptions.PerSecond(0, 1));
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0", limits: limits, time: _clock);
        using var driver = new VirtioTestDriver(device);
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        for (int i = 0; i < 5; i++)
        {
            Submit(driver, queue, VirtioBlockRequestType.In, (ulong)i, 512);
        }

        driver.Notify(0);
        driver.WaitUsed(queue, 1);
        var reset = Task.Run(() => driver.Write(VirtioMmioRegister.Status, 0));
        await reset.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0u, driver.Status);
        Assert.True(driver.Transport.IsIdle);
        Assert.Equal(0, device.Stats.Throttle.Waiting);
    }

    [Fact]
    public void A_disk_without_limits_counts_its_traffic_and_has_no_limiter()
    {
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0", time: _clock);
        using var driver = new VirtioTestDriver(device);
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        Submit(driver, queue, VirtioBlockRequestType.Out, 0, 4096);
        Submit(driver, queue, VirtioBlockRequestType.In, 0, 1024);
        driver.Notify(0);
        driver.WaitUsed(queue, 2);
        VirtioBlockStats stats = device.Stats;
        Assert.Equal((1024L, 1L, 4096L, 1L), (stats.ReadBytes, stats.ReadOperations, stats.WriteBytes, stats.WriteOperations));
        Assert.Equal(default, stats.Throttle);
    }

    /// <summary>Queues a request (header, one data buffer of <paramref name="length"/>, status) without notifying; returns the status address.</summary>
    private static ulong Submit(VirtioTestDriver driver, TestQueue queue, uint type, ulong sector, uint length)
    {
        ulong header = driver.Alloc(16);
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, type);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), sector);
        driver.WriteBytes(header, bytes);
        ulong status = driver.Alloc(1);
        driver.WriteBytes(status, [0xee]);
        ushort head = length == 0
            ? queue.AddChain((header, 16, false), (status, 1, true))
            : queue.AddChain((header, 16, false), (driver.Alloc(length), length, type == VirtioBlockRequestType.In), (status, 1, true));
        queue.Publish(head);
        return status;
    }
}
