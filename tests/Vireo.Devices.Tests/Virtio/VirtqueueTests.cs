using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Rng;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>Split-virtqueue behaviour, driven through the rng device (it fills every writable buffer it is given).</summary>
public sealed class VirtqueueTests
{
    private const ulong Modern = VirtioFeatures.Version1;
    private const ulong RamEnd = VirtioTestDriver.RamBase + VirtioTestDriver.RamSize;

    [Fact]
    public void IndirectDescriptors_AreFollowed()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        TestQueue queue = driver.Start(Modern | VirtioFeatures.RingIndirectDesc, 8, 1)[0];
        ulong a = driver.Alloc(64);
        ulong b = driver.Alloc(32);
        ulong table = driver.Alloc(32);
        TestQueue.WriteDescriptor(driver.Ram, table, 0, a, 64, TestQueue.Write | TestQueue.Next, 1);
        TestQueue.WriteDescriptor(driver.Ram, table, 1, b, 32, TestQueue.Write, 0);
        queue.WriteDescriptor(0, table, 32, TestQueue.Indirect, 0);
        queue.Publish(0);
        driver.Notify(0);

        driver.WaitUsed(queue, 1);
        Assert.Equal((0u, 96u), queue.UsedElement(0));
        Assert.Contains(driver.ReadBytes(a, 64), x => x != 0);
        Assert.Contains(driver.ReadBytes(b, 32), x => x != 0);
    }

    [Fact]
    public void EventIdx_SuppressesInterruptsUntilUsedEventIsPassed_AndRearmsAvailEvent()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        TestQueue queue = driver.Start(Modern | VirtioFeatures.RingEventIdx, 8, 1)[0];
        queue.SetUsedEvent(5);
        for (int i = 0; i < 3; i++)
        {
            queue.Publish(queue.AddChain((driver.Alloc(8), 8, true)));
        }

        driver.Notify(0);
        driver.WaitUsed(queue, 3);
        driver.WaitIdle();
        Assert.Equal(0, driver.Interrupt.Raises);
        Assert.Equal(3, queue.AvailEvent); // "notify me when you publish entry 3"

        queue.SetUsedEvent(3);
        queue.Publish(queue.AddChain((driver.Alloc(8), 8, true)));
        driver.Notify(0);
        driver.WaitUsed(queue, 4);
        VirtioTestDriver.WaitUntil(() => driver.Interrupt.Level, "the interrupt for used entry 3");
        Assert.Equal(1, driver.Interrupt.Raises);
        Assert.Equal(4, queue.AvailEvent);
    }

    [Fact]
    public void NoInterruptFlag_SuppressesInterruptsWithoutEventIdx()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        TestQueue queue = driver.Start(Modern, 8, 1)[0];
        queue.SetAvailFlags(1);
        queue.Publish(queue.AddChain((driver.Alloc(8), 8, true)));
        driver.Notify(0);
        driver.WaitUsed(queue, 1);
        driver.WaitIdle();
        Assert.False(driver.Interrupt.Level);

        queue.SetAvailFlags(0);
        queue.Publish(queue.AddChain((driver.Alloc(8), 8, true)));
        driver.Notify(0);
        driver.WaitUsed(queue, 2);
        VirtioTestDriver.WaitUntil(() => driver.Interrupt.Level, "the interrupt");
    }

    public enum Malformation
    {
        Loop,
        AddressOutsideRam,
        BufferStraddlesEndOfRam,
        AddressWrapsAround,
        ZeroLength,
        NextIndexOutOfRange,
        HeadIndexOutOfRange,
        AvailIndexJump,
        IndirectInIndirect,
        IndirectWithNext,
        IndirectTableLengthNotMultipleOf16,
        IndirectTableOutsideRam,
        IndirectWithoutFeature,
        IndirectTableTooLong,
        IndirectLoop,
        ReadableAfterWritable,
    }

    [Theory]
    [MemberData(nameof(Malformations))]
    public void MalformedDescriptors_SetNeedsReset_RaiseConfigInterrupt_AndLogOneLine(Malformation kind)
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        ulong features = Modern | (kind == Malformation.IndirectWithoutFeature ? 0 : VirtioFeatures.RingIndirectDesc);
        TestQueue queue = driver.Start(features, 8, 1)[0];
        ulong buffer = driver.Alloc(64);
        ulong table = driver.Alloc(16 * 2048);
        switch (kind)
        {
            case Malformation.Loop:
                queue.WriteDescriptor(0, buffer, 8, TestQueue.Write | TestQueue.Next, 1);
                queue.WriteDescriptor(1, buffer, 8, TestQueue.Write | TestQueue.Next, 0);
                break;
            case Malformation.AddressOutsideRam:
                queue.WriteDescriptor(0, 0x1000, 8, TestQueue.Write, 0);
                break;
            case Malformation.BufferStraddlesEndOfRam:
                queue.WriteDescriptor(0, RamEnd - 8, 16, TestQueue.Write, 0);
                break;
            case Malformation.AddressWrapsAround:
                queue.WriteDescriptor(0, ulong.MaxValue - 7, 16, TestQueue.Write, 0);
                break;
            case Malformation.ZeroLength:
                queue.WriteDescriptor(0, buffer, 0, TestQueue.Write, 0);
                break;
            case Malformation.NextIndexOutOfRange:
                queue.WriteDescriptor(0, buffer, 8, TestQueue.Write | TestQueue.Next, 8);
                break;
            case Malformation.HeadIndexOutOfRange:
                queue.SetAvailRingEntry(0, 9);
                queue.SetAvailIdx(1);
                break;
            case Malformation.AvailIndexJump:
                queue.WriteDescriptor(0, buffer, 8, TestQueue.Write, 0);
                queue.SetAvailIdx(9);
                break;
            case Malformation.IndirectInIndirect:
                TestQueue.WriteDescriptor(driver.Ram, table, 0, table + 32, 16, TestQueue.Indirect, 0);
                TestQueue.WriteDescriptor(driver.Ram, table, 2, buffer, 8, TestQueue.Write, 0);
                queue.WriteDescriptor(0, table, 16, TestQueue.Indirect, 0);
                break;
            case Malformation.IndirectWithNext:
                TestQueue.WriteDescriptor(driver.Ram, table, 0, buffer, 8, TestQueue.Write, 0);
                queue.WriteDescriptor(0, table, 16, TestQueue.Indirect | TestQueue.Next, 1);
                queue.WriteDescriptor(1, buffer, 8, TestQueue.Write, 0);
                break;
            case Malformation.IndirectTableLengthNotMultipleOf16:
                TestQueue.WriteDescriptor(driver.Ram, table, 0, buffer, 8, TestQueue.Write, 0);
                queue.WriteDescriptor(0, table, 20, TestQueue.Indirect, 0);
                break;
            case Malformation.IndirectTableOutsideRam:
                queue.WriteDescriptor(0, RamEnd - 16, 32, TestQueue.Indirect, 0);
                break;
            case Malformation.IndirectWithoutFeature:
                TestQueue.WriteDescriptor(driver.Ram, table, 0, buffer, 8, TestQueue.Write, 0);
                queue.WriteDescriptor(0, table, 16, TestQueue.Indirect, 0);
                break;
            case Malformation.IndirectTableTooLong:
                for (int i = 0; i < 2048; i++)
                {
                    TestQueue.WriteDescriptor(driver.Ram, table, i, buffer, 8, TestQueue.Write | TestQueue.Next, (ushort)(i + 1));
                }

                queue.WriteDescriptor(0, table, 16 * 2048, TestQueue.Indirect, 0);
                break;
            case Malformation.IndirectLoop:
                TestQueue.WriteDescriptor(driver.Ram, table, 0, buffer, 8, TestQueue.Write | TestQueue.Next, 1);
                TestQueue.WriteDescriptor(driver.Ram, table, 1, buffer, 8, TestQueue.Write | TestQueue.Next, 0);
                queue.WriteDescriptor(0, table, 32, TestQueue.Indirect, 0);
                break;
            case Malformation.ReadableAfterWritable:
                queue.WriteDescriptor(0, buffer, 8, TestQueue.Write | TestQueue.Next, 1);
                queue.WriteDescriptor(1, buffer + 8, 8, 0, 0);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }

        if (kind is not (Malformation.HeadIndexOutOfRange or Malformation.AvailIndexJump))
        {
            queue.Publish(0);
        }

        driver.Notify(0);
        VirtioTestDriver.WaitUntil(() => (driver.Status & VirtioDeviceStatus.DeviceNeedsReset) != 0, "NEEDS_RESET");
        driver.WaitIdle();

        Assert.Equal(0, queue.UsedIdx);
        Assert.True(driver.Interrupt.Level);
        Assert.Equal(VirtioInterruptStatus.ConfigChange, driver.Read(VirtioMmioRegister.InterruptStatus));
        Assert.Contains("needs reset", Assert.Single(driver.Log), StringComparison.Ordinal);

        // A stopped device ignores further notifications: no more work, no more log lines.
        queue.Publish(queue.AddChain((driver.Alloc(8), 8, true)));
        driver.Notify(0);
        Thread.Sleep(10);
        Assert.Equal(0, queue.UsedIdx);
        Assert.Single(driver.Log);

        // Reset brings the device back.
        driver.Write(VirtioMmioRegister.Status, 0);
        Assert.Equal(0u, driver.Status);
        Assert.False(driver.Interrupt.Level);
        TestQueue fresh = driver.Start(Modern, 8, 1)[0];
        fresh.Publish(fresh.AddChain((driver.Alloc(8), 8, true)));
        driver.Notify(0);
        driver.WaitUsed(fresh, 1);
    }

    public static TheoryData<Malformation> Malformations()
    {
        var data = new TheoryData<Malformation>();
        foreach (Malformation kind in Enum.GetValues<Malformation>())
        {
            data.Add(kind);
        }

        return data;
    }
}
