using System.Buffers.Binary;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Balloon;

namespace Vireo.Devices.Tests.Virtio.Balloon;

/// <summary>virtio-balloon at register level: features, configuration, each queue's work, and hostile input.</summary>
public sealed unsafe class VirtioBalloonDeviceTests
{
    private const ulong All = VirtioFeatures.Version1 | VirtioBalloonFeatures.StatsVq | VirtioBalloonFeatures.DeflateOnOom | VirtioBalloonFeatures.Reporting;
    private const ulong NumPagesRegister = VirtioMmioRegister.Config;
    private const ulong ActualRegister = VirtioMmioRegister.Config + 4;
    private const ulong PageSize = 4096;

    /// <summary>Guest pages the tests fill and balloon: 2 MiB into the 4 MiB of test RAM, clear of rings and data.</summary>
    private const ulong Pages = VirtioTestDriver.RamBase + (2 << 20);

    private static readonly BalloonOptions s_manualStats = new() { StatsInterval = TimeSpan.Zero };

    [Fact]
    public void OffersTheConfiguredFeaturesOnly()
    {
        using var all = new VirtioTestDriver(new VirtioBalloonDevice(s_manualStats));
        Assert.Equal(5u, all.Read(VirtioMmioRegister.DeviceId));
        Assert.Equal(All | VirtioFeatures.RingIndirectDesc | VirtioFeatures.RingEventIdx, all.ReadDeviceFeatures());

        using var plain = new VirtioTestDriver(new VirtioBalloonDevice(new BalloonOptions { DeflateOnOom = false, FreePageReporting = false }));
        ulong offered = plain.ReadDeviceFeatures();
        Assert.Equal(VirtioBalloonFeatures.StatsVq, offered & 0xff_ffff);

        // A driver asking for free page hinting (not offered) is refused.
        Assert.False(plain.Negotiate(VirtioFeatures.Version1 | VirtioBalloonFeatures.FreePageHint));
    }

    [Fact]
    public void TargetIsNumPagesAndRaisesTheConfigInterruptActualIsTheDrivers()
    {
        var device = new VirtioBalloonDevice(s_manualStats with { InitialTargetBytes = 1 << 20 });
        using var driver = new VirtioTestDriver(device);
        driver.Start(All, 64, 4);
        Assert.Equal(256UL, driver.Transport.Read(NumPagesRegister, 4));
        uint generation = driver.Read(VirtioMmioRegister.ConfigGeneration);

        device.TargetBytes = (3 << 20) + 100;

        Assert.Equal(768UL, driver.Transport.Read(NumPagesRegister, 4));
        Assert.Equal(3UL << 20, device.TargetBytes);
        Assert.NotEqual(generation, driver.Read(VirtioMmioRegister.ConfigGeneration));
        Assert.Equal(VirtioInterruptStatus.ConfigChange, driver.Read(VirtioMmioRegister.InterruptStatus) & VirtioInterruptStatus.ConfigChange);

        // More than the guest has is clamped to its RAM.
        device.TargetBytes = 1UL << 40;
        Assert.Equal(VirtioTestDriver.RamSize / PageSize, driver.Transport.Read(NumPagesRegister, 4));

        // The driver writes actual (whole or by bytes); num_pages is not its to write.
        driver.Transport.Write(ActualRegister, 4, 300);
        Assert.Equal(300UL * PageSize, device.ActualBytes);
        driver.Transport.Write(ActualRegister + 1, 1, 2); // 300 is 0x12c: byte 1 goes from 1 to 2
        Assert.Equal((300UL + 256) * PageSize, device.ActualBytes);
        driver.Transport.Write(NumPagesRegister, 4, 5);
        Assert.Equal(VirtioTestDriver.RamSize / PageSize, driver.Transport.Read(NumPagesRegister, 4));
        Assert.Equal(556UL, driver.Transport.Read(NumPagesRegister, 8) >> 32);

        // A device reset forgets the guest's balloon, not the host's wish.
        driver.Write(VirtioMmioRegister.Status, 0);
        Assert.Equal(0UL, device.ActualBytes);
        Assert.Equal(VirtioTestDriver.RamSize, device.TargetBytes);
    }

    [Fact]
    public void InflateDiscardsThePagesAndTheirDecodedCodeDeflateLeavesThemZero()
    {
        var device = new VirtioBalloonDevice(s_manualStats);
        using var driver = new VirtioTestDriver(device);
        TestQueue[] queues = driver.Start(All, 64, 4);
        FillPages(driver, 8, 0x5a);
        ulong codePage = (Pages - VirtioTestDriver.RamBase) / PageSize + 2;
        driver.Ram.CodePageFlags[codePage] = 1;
        uint generation = driver.Ram.CodeGenerations[codePage];

        // Pages 0, 2, 3 and 5 (in a shuffled order, 3 twice), plus two PFNs outside RAM.
        ulong list = driver.Alloc(64);
        uint[] pfns = [Pfn(3), Pfn(0), Pfn(5), 7, Pfn(2), Pfn(3), 0xffff_ffff];
        WritePfns(driver, list, pfns);
        queues[0].Publish(queues[0].AddChain((list, (uint)(pfns.Length * 4), false)));
        driver.Notify(0);
        driver.WaitUsed(queues[0], 1);

        for (int page = 0; page < 8; page++)
        {
            byte expected = page is 0 or 2 or 3 or 5 ? (byte)0 : (byte)0x5a;
            byte[] bytes = driver.ReadBytes(Pages + ((ulong)page * PageSize), (int)PageSize);
            Assert.True(bytes.All(b => b == expected), $"page {page} should read 0x{expected:x2}");
        }

        Assert.Equal(0, driver.Ram.CodePageFlags[codePage]);
        Assert.NotEqual(generation, driver.Ram.CodeGenerations[codePage]);
        Assert.Equal(5, device.Counters.InflatedPages);
        Assert.Equal(2, device.Counters.InvalidPfns);

        // Deflate: acknowledged, counted, the pages stay zero until the guest writes them.
        ulong back = driver.Alloc(16);
        WritePfns(driver, back, [Pfn(0), Pfn(2)]);
        queues[1].Publish(queues[1].AddChain((back, 8, false)));
        driver.Notify(1);
        driver.WaitUsed(queues[1], 1);
        Assert.Equal(2, device.Counters.DeflatedPages);
        Assert.Equal(0, driver.ReadBytes(Pages, 1)[0]);
        Assert.Equal(0, device.Counters.MalformedRequests);
        Assert.True(driver.Transport.IsLive);
    }

    [Fact]
    public void WithoutStatsTheReportingQueueIsIndexTwoAndDiscardsWholePagesOfEachRange()
    {
        var device = new VirtioBalloonDevice(s_manualStats);
        using var driver = new VirtioTestDriver(device);
        TestQueue[] queues = driver.Start(VirtioFeatures.Version1 | VirtioBalloonFeatures.Reporting, 64, 3);
        FillPages(driver, 8, 0x77);

        // Pages 0-1 whole; a range from the middle of page 4 to the middle of page 6 frees only page 5.
        queues[2].Publish(queues[2].AddChain((Pages, (uint)(2 * PageSize), true), (Pages + (4 * PageSize) + 100, (uint)(2 * PageSize), true)));
        driver.Notify(2);
        driver.WaitUsed(queues[2], 1);

        for (int page = 0; page < 8; page++)
        {
            byte expected = page is 0 or 1 or 5 ? (byte)0 : (byte)0x77;
            Assert.True(driver.ReadBytes(Pages + ((ulong)page * PageSize), (int)PageSize).All(b => b == expected), $"page {page} should read 0x{expected:x2}");
        }

        Assert.Equal(3 * (long)PageSize, device.Counters.ReportedBytes);
        Assert.Equal(0, device.Counters.InflatedPages);
    }

    [Fact]
    public void StatsBufferIsHeldUntilTheHostAsksThenTheRefillIsRead()
    {
        var device = new VirtioBalloonDevice(s_manualStats);
        using var driver = new VirtioTestDriver(device);
        TestQueue[] queues = driver.Start(All, 64, 4);
        TestQueue stats = queues[2];
        ulong buffer = driver.Alloc(100);
        WriteStats(driver, buffer, (4, 111 << 20), (5, 512 << 20), (6, 200 << 20), (3, 42), (99, 7));
        stats.Publish(stats.AddChain((buffer, 50, false)));
        driver.Notify(2);
        VirtioTestDriver.WaitUntil(() => device.Counters.StatsUpdates == 1, "the first statistics");

        BalloonStats first = device.Stats;
        Assert.Equal(111UL << 20, first.FreeMemory);
        Assert.Equal(512UL << 20, first.TotalMemory);
        Assert.Equal(200UL << 20, first.AvailableMemory);
        Assert.Equal(42UL, first.MinorFaults);
        Assert.Null(first.DiskCaches);
        Assert.NotNull(first.ReceivedAt);
        driver.WaitIdle();
        Assert.Equal(0, stats.UsedIdx);

        // The host asks: the buffer comes back, and the driver's refill carries new numbers.
        device.RequestStats();
        driver.WaitUsed(stats, 1);
        WriteStats(driver, buffer, (4, 99 << 20));
        stats.Publish(stats.AddChain((buffer, 10, false)));
        driver.Notify(2);
        VirtioTestDriver.WaitUntil(() => device.Counters.StatsUpdates == 2, "the second statistics");
        Assert.Equal(99UL << 20, device.Stats.FreeMemory);
        Assert.Null(device.Stats.TotalMemory);
        Assert.Equal(0, device.Counters.MalformedRequests);
    }

    [Fact]
    public void StatsArePolledAtTheConfiguredInterval()
    {
        var device = new VirtioBalloonDevice(new BalloonOptions { StatsInterval = TimeSpan.FromMilliseconds(20) });
        using var driver = new VirtioTestDriver(device);
        TestQueue stats = driver.Start(All, 64, 4)[2];
        ulong buffer = driver.Alloc(16);
        WriteStats(driver, buffer, (4, 1));
        stats.Publish(stats.AddChain((buffer, 10, false)));
        driver.Notify(2);

        // Without any host call the timer returns the buffer.
        driver.WaitUsed(stats, 1);
        Assert.Equal(1UL, device.Stats.FreeMemory);
    }

    [Fact]
    public void MalformedRequestsAreCountedAndTheDeviceStaysLive()
    {
        var device = new VirtioBalloonDevice(s_manualStats);
        using var driver = new VirtioTestDriver(device);
        TestQueue[] queues = driver.Start(All, 64, 4);
        FillPages(driver, 2, 0x11);
        ulong list = driver.Alloc(16);
        WritePfns(driver, list, [Pfn(0), Pfn(1)]);

        // A PFN list with a stray byte (the whole PFN is still served), a writable inflate buffer, a readable report,
        // a report shorter than a page, and a second stats buffer while one is held.
        queues[0].Publish(queues[0].AddChain((list, 5, false)));
        queues[0].Publish(queues[0].AddChain((list + 4, 4, true)));
        queues[3].Publish(queues[3].AddChain((Pages + PageSize, (uint)PageSize, false)));
        queues[3].Publish(queues[3].AddChain((Pages + PageSize, 100, true)));
        ulong buffer = driver.Alloc(16);
        WriteStats(driver, buffer, (4, 1));
        queues[2].Publish(queues[2].AddChain((buffer, 10, false)));
        queues[2].Publish(queues[2].AddChain((buffer, 10, false)));
        for (int q = 0; q < 4; q++)
        {
            driver.Notify(q);
        }

        driver.WaitUsed(queues[0], 2);
        driver.WaitUsed(queues[3], 2);
        driver.WaitUsed(queues[2], 1);
        driver.WaitIdle();

        Assert.Equal(5, device.Counters.MalformedRequests);
        Assert.Equal(1, device.Counters.InflatedPages);
        Assert.Equal(0, driver.ReadBytes(Pages, 1)[0]);
        Assert.Equal(0x11, driver.ReadBytes(Pages + PageSize, 1)[0]);
        Assert.Equal(0, device.Counters.ReportedBytes);
        Assert.True(driver.Transport.IsLive);
        Assert.Empty(driver.Log);
    }

    [Fact]
    public void BrokenRingPutsTheDeviceInNeedsResetAndAResetRevivesIt()
    {
        var device = new VirtioBalloonDevice(s_manualStats);
        using var driver = new VirtioTestDriver(device);
        TestQueue inflate = driver.Start(All, 64, 4)[0];
        inflate.SetAvailRingEntry(0, 200); // descriptor index out of range
        inflate.SetAvailIdx(1);
        driver.Notify(0);
        VirtioTestDriver.WaitUntil(() => (driver.Status & VirtioDeviceStatus.DeviceNeedsReset) != 0, "NEEDS_RESET");
        Assert.Single(driver.Log);

        TestQueue fresh = driver.Start(All, 64, 4)[0];
        FillPages(driver, 1, 0x22);
        ulong list = driver.Alloc(16);
        WritePfns(driver, list, [Pfn(0)]);
        fresh.Publish(fresh.AddChain((list, 4, false)));
        driver.Notify(0);
        driver.WaitUsed(fresh, 1);
        Assert.Equal(0, driver.ReadBytes(Pages, 1)[0]);
    }

    private static uint Pfn(int page) => (uint)((Pages >> 12) + (ulong)page);

    private static void FillPages(VirtioTestDriver driver, int count, byte value)
    {
        byte[] bytes = new byte[count * (int)PageSize];
        Array.Fill(bytes, value);
        driver.WriteBytes(Pages, bytes);
    }

    private static void WritePfns(VirtioTestDriver driver, ulong address, uint[] pfns)
    {
        byte[] bytes = new byte[pfns.Length * 4];
        for (int i = 0; i < pfns.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), pfns[i]);
        }

        driver.WriteBytes(address, bytes);
    }

    private static void WriteStats(VirtioTestDriver driver, ulong address, params (ushort Tag, ulong Value)[] entries)
    {
        byte[] bytes = new byte[entries.Length * 10];
        for (int i = 0; i < entries.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 10), entries[i].Tag);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((i * 10) + 2), entries[i].Value);
        }

        driver.WriteBytes(address, bytes);
    }
}
