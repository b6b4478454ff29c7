using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Rng;

namespace Vireo.Devices.Tests.Virtio;

public sealed class VirtioMmioTransportTests
{
    private const ulong Modern = VirtioFeatures.Version1;

    [Fact]
    public void IdentificationRegisters_DescribeAModernDevice()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        Assert.Equal(0x74726976u, driver.Read(VirtioMmioRegister.MagicValue));
        Assert.Equal(2u, driver.Read(VirtioMmioRegister.Version));
        Assert.Equal(4u, driver.Read(VirtioMmioRegister.DeviceId));
        Assert.Equal(0x554d4551u, driver.Read(VirtioMmioRegister.VendorId));
        Assert.Equal(0x1000UL, driver.Transport.Size);
        driver.Write(VirtioMmioRegister.QueueSel, 0);
        Assert.Equal((uint)VirtioRngDevice.QueueSize, driver.Read(VirtioMmioRegister.QueueNumMax));
        driver.Write(VirtioMmioRegister.QueueSel, 1);
        Assert.Equal(0u, driver.Read(VirtioMmioRegister.QueueNumMax));
        Assert.Equal(VirtioFeatures.Transport, driver.ReadDeviceFeatures());
    }

    [Fact]
    public void FeaturesOk_IsRefusedWithoutVersion1()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        Assert.False(driver.Negotiate(VirtioFeatures.RingIndirectDesc));
        Assert.Equal(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver, driver.Status);
        Assert.True(driver.Negotiate(Modern | VirtioFeatures.RingIndirectDesc));
        Assert.Equal(Modern | VirtioFeatures.RingIndirectDesc, driver.Transport.NegotiatedFeatures);
    }

    [Fact]
    public void FeaturesOk_IsRefusedForFeaturesNotOffered()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        Assert.False(driver.Negotiate(Modern | (1UL << 40)));
    }

    [Fact]
    public void DriverFeatures_AreFrozenAfterFeaturesOk()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        Assert.True(driver.Negotiate(Modern));
        driver.Write(VirtioMmioRegister.DriverFeaturesSel, 0);
        driver.Write(VirtioMmioRegister.DriverFeatures, (uint)VirtioFeatures.RingEventIdx);
        driver.SetupQueue(0, 8);
        driver.DriverOk();
        Assert.Equal(Modern, driver.Transport.NegotiatedFeatures);
    }

    [Fact]
    public void DriverOk_WithoutFeaturesOk_IsIgnoredAndNothingIsProcessed()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        driver.Write(VirtioMmioRegister.Status, VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver);
        TestQueue queue = driver.SetupQueue(0, 8);
        driver.Write(VirtioMmioRegister.Status, VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.DriverOk);
        Assert.Equal(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver, driver.Status);
        queue.Publish(queue.AddChain((driver.Alloc(16), 16, true)));
        driver.Notify(0);
        Thread.Sleep(50);
        Assert.Equal(0, queue.UsedIdx);
    }

    [Fact]
    public void BuffersPostedBeforeDriverOk_AreServedOnceDriverOkIsSet()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        Assert.True(driver.Negotiate(Modern));
        TestQueue queue = driver.SetupQueue(0, 8);
        queue.Publish(queue.AddChain((driver.Alloc(16), 16, true)));
        driver.Notify(0);
        Thread.Sleep(20);
        Assert.Equal(0, queue.UsedIdx);
        driver.DriverOk();
        driver.WaitUsed(queue, 1);
    }

    [Fact]
    public void UsedBufferInterrupt_IsLevelUntilAcknowledged()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        TestQueue queue = driver.Start(Modern, 8, 1)[0];
        Assert.False(driver.Interrupt.Level);
        queue.Publish(queue.AddChain((driver.Alloc(16), 16, true)));
        driver.Notify(0);
        driver.WaitUsed(queue, 1);
        VirtioTestDriver.WaitUntil(() => driver.Interrupt.Level, "the interrupt");
        Assert.Equal(VirtioInterruptStatus.UsedBuffer, driver.Read(VirtioMmioRegister.InterruptStatus));
        driver.Write(VirtioMmioRegister.InterruptAck, VirtioInterruptStatus.UsedBuffer);
        Assert.False(driver.Interrupt.Level);
        Assert.Equal(0u, driver.Read(VirtioMmioRegister.InterruptStatus));
    }

    [Fact]
    public void WritingZeroToStatus_ResetsDeviceQueuesAndInterrupt()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        TestQueue queue = driver.Start(Modern, 8, 1)[0];
        queue.Publish(queue.AddChain((driver.Alloc(16), 16, true)));
        driver.Notify(0);
        driver.WaitUsed(queue, 1);
        driver.WaitIdle();
        Assert.True(driver.Interrupt.Level);

        driver.Write(VirtioMmioRegister.Status, 0);

        Assert.Equal(0u, driver.Status);
        Assert.False(driver.Interrupt.Level);
        Assert.Equal(0u, driver.Read(VirtioMmioRegister.InterruptStatus));
        driver.Write(VirtioMmioRegister.QueueSel, 0);
        Assert.Equal(0u, driver.Read(VirtioMmioRegister.QueueReady));
        Assert.Equal(0UL, driver.Transport.NegotiatedFeatures);

        // The device works again from scratch after the reset (indices restart at zero).
        TestQueue again = driver.Start(Modern, 8, 1)[0];
        again.Publish(again.AddChain((driver.Alloc(16), 16, true)));
        driver.Notify(0);
        driver.WaitUsed(again, 1);
    }

    [Fact]
    public void QueueLayoutOutsideRam_SetsNeedsResetAndLogsOnce()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        Assert.True(driver.Negotiate(Modern));
        driver.Write(VirtioMmioRegister.QueueSel, 0);
        driver.Write(VirtioMmioRegister.QueueNum, 8);
        driver.Write(VirtioMmioRegister.QueueDescLow, 0x1000);
        driver.Write(VirtioMmioRegister.QueueDriverLow, 0x8000_2000);
        driver.Write(VirtioMmioRegister.QueueDeviceLow, 0x8000_3000);
        driver.Write(VirtioMmioRegister.QueueReady, 1);

        Assert.Equal(0u, driver.Read(VirtioMmioRegister.QueueReady));
        Assert.NotEqual(0u, driver.Status & VirtioDeviceStatus.DeviceNeedsReset);
        Assert.True(driver.Interrupt.Level);
        Assert.Equal(VirtioInterruptStatus.ConfigChange, driver.Read(VirtioMmioRegister.InterruptStatus));
        Assert.Single(driver.Log);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    [InlineData(65536)]
    public void QueueSizeNotAPowerOfTwoWithinMax_SetsNeedsReset(uint size)
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        Assert.True(driver.Negotiate(Modern));
        driver.Write(VirtioMmioRegister.QueueSel, 0);
        driver.Write(VirtioMmioRegister.QueueNum, size);
        driver.Write(VirtioMmioRegister.QueueDescLow, 0x8001_0000);
        driver.Write(VirtioMmioRegister.QueueDriverLow, 0x8001_4000);
        driver.Write(VirtioMmioRegister.QueueDeviceLow, 0x8001_8000);
        driver.Write(VirtioMmioRegister.QueueReady, 1);
        Assert.NotEqual(0u, driver.Status & VirtioDeviceStatus.DeviceNeedsReset);
    }

    [Fact]
    public void BadRegisterAccesses_AreHarmless()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        Assert.Equal(0UL, driver.Transport.Read(VirtioMmioRegister.MagicValue + 1, 4));
        Assert.Equal(0UL, driver.Transport.Read(VirtioMmioRegister.MagicValue, 2));
        Assert.Equal(0UL, driver.Transport.Read(0x100, 4)); // rng has no config space
        driver.Transport.Write(VirtioMmioRegister.QueueNotify, 4, 99);
        driver.Write(VirtioMmioRegister.QueueSel, 7);
        driver.Write(VirtioMmioRegister.QueueReady, 1);
        driver.Transport.Write(0xfff, 1, 0xff);
        Assert.Equal(0u, driver.Status);
        Assert.Empty(driver.Log);
    }
}
