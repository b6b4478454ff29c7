using System.Buffers.Binary;
using System.Text;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Input;

namespace Vireo.Devices.Tests.Virtio;

public sealed class VirtioInputDeviceTests
{
    [Fact]
    public void ConfigAnswersNameAndKeyBits()
    {
        using var driver = new VirtioTestDriver(new VirtioInputDevice());
        Assert.Equal(18u, driver.Read(VirtioMmioRegister.DeviceId));

        (byte size, byte[] union) = Select(driver, 0x01, 0);
        Assert.Equal(VirtioInputDevice.DeviceName, Encoding.ASCII.GetString(union, 0, size));

        (size, union) = Select(driver, 0x11, 1); // EV_BITS, EV_KEY
        Assert.Equal(15, size);
        Assert.Equal(0x10, union[14]); // KEY_POWER = 116 = 14 * 8 + 4
        Assert.Equal(14, union.Take(14).Count(b => b == 0));

        Assert.Equal(0, Select(driver, 0x11, 3).Size); // no EV_ABS
        Assert.Equal(0, Select(driver, 0x12, 0).Size); // no ABS_INFO
        Assert.Equal(0, Select(driver, 0x00, 0).Size);
    }

    [Fact]
    public async Task PowerButtonDeliversPressSyncReleaseSync()
    {
        var device = new VirtioInputDevice();
        using var driver = new VirtioTestDriver(device);
        TestQueue events = driver.Start(VirtioFeatures.Version1, 8, 2)[0];

        // Pressed before any buffer is posted: kept until the guest gives buffers.
        device.PressPowerButton();
        Assert.Equal(4, device.PendingEvents);
        ulong area = driver.Alloc(8 * 8);
        for (int i = 0; i < 8; i++)
        {
            events.Publish(events.AddChain((area + (ulong)(8 * i), 8, true)));
        }

        driver.Notify(0);
        driver.WaitUsed(events, 4);
        var expected = new (ushort, ushort, uint)[] { (1, 116, 1), (0, 0, 0), (1, 116, 0), (0, 0, 0) };
        for (int i = 0; i < 4; i++)
        {
            (uint id, uint length) = events.UsedElement(i);
            Assert.Equal(8u, length);
            byte[] e = driver.ReadBytes(area + (8 * id), 8);
            Assert.Equal(expected[i], (BinaryPrimitives.ReadUInt16LittleEndian(e), BinaryPrimitives.ReadUInt16LittleEndian(e.AsSpan(2)), BinaryPrimitives.ReadUInt32LittleEndian(e.AsSpan(4))));
        }

        // A press from another thread goes straight into the posted buffers.
        await Task.Run(device.PressPowerButton);
        driver.WaitUsed(events, 8);
        Assert.Equal(0, device.PendingEvents);
    }

    [Fact]
    public void PressesBeyondTheLimitAreDroppedAndResetForgetsThem()
    {
        var device = new VirtioInputDevice();
        using var driver = new VirtioTestDriver(device);
        driver.Start(VirtioFeatures.Version1, 8, 2);
        for (int i = 0; i < 100; i++)
        {
            device.PressPowerButton();
        }

        Assert.Equal(VirtioInputDevice.MaxPendingEvents, device.PendingEvents);
        Assert.Equal((100 * 4) - VirtioInputDevice.MaxPendingEvents, device.DroppedEvents);
        driver.Write(VirtioMmioRegister.Status, 0);
        Assert.Equal(0, device.PendingEvents);
    }

    private static (byte Size, byte[] Union) Select(VirtioTestDriver driver, byte select, byte subsel)
    {
        driver.Transport.Write(VirtioMmioRegister.Config, 1, select);
        driver.Transport.Write(VirtioMmioRegister.Config + 1, 1, subsel);
        byte size = (byte)driver.Transport.Read(VirtioMmioRegister.Config + 2, 1);
        byte[] union = new byte[128];
        for (int i = 0; i < 128; i++)
        {
            union[i] = (byte)driver.Transport.Read((ulong)(VirtioMmioRegister.Config + 8 + i), 1);
        }

        return (size, union);
    }
}
