using System.Buffers.Binary;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Block;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>Device-side configuration changes at register level: generation, interrupt, acknowledgement.</summary>
public sealed class VirtioConfigChangeTests
{
    private const ulong DiskSize = 1 << 20;
    private const ulong Features = VirtioFeatures.Version1 | VirtioBlockFeatures.Flush;
    private const ulong CapacityRegister = VirtioMmioRegister.Config;

    private readonly MemoryBlockDevice _disk = new(DiskSize);

    [Fact]
    public void ResizeBumpsTheGenerationRaisesTheConfigInterruptAndAckClearsIt()
    {
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0");
        device.Resize(DiskSize / 2);
        using var driver = new VirtioTestDriver(device);
        driver.Start(Features, 64, 1);
        Assert.Equal(DiskSize / 2 / 512, driver.Transport.Read(CapacityRegister, 8));
        uint generation = driver.Read(VirtioMmioRegister.ConfigGeneration);
        Assert.Equal(0u, driver.Read(VirtioMmioRegister.InterruptStatus));
        Assert.False(driver.Interrupt.Level);

        device.Resize(DiskSize);

        Assert.NotEqual(generation, driver.Read(VirtioMmioRegister.ConfigGeneration));
        Assert.Equal(DiskSize / 512, driver.Transport.Read(CapacityRegister, 8));
        Assert.Equal(DiskSize, device.Capacity);
        Assert.Equal(VirtioInterruptStatus.ConfigChange, driver.Read(VirtioMmioRegister.InterruptStatus));
        Assert.True(driver.Interrupt.Level);
        Assert.Equal(1, driver.Interrupt.Raises);

        // Acknowledging another bit leaves it; acknowledging it drops the line.
        driver.Write(VirtioMmioRegister.InterruptAck, VirtioInterruptStatus.UsedBuffer);
        Assert.True(driver.Interrupt.Level);
        driver.Write(VirtioMmioRegister.InterruptAck, VirtioInterruptStatus.ConfigChange);
        Assert.Equal(0u, driver.Read(VirtioMmioRegister.InterruptStatus));
        Assert.False(driver.Interrupt.Level);

        // The generation is stable while nothing changes.
        uint settled = driver.Read(VirtioMmioRegister.ConfigGeneration);
        Assert.Equal(settled, driver.Read(VirtioMmioRegister.ConfigGeneration));
    }

    [Fact]
    public void BeforeDriverOkTheGenerationMovesButNoInterruptIsRaised()
    {
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0");
        using var driver = new VirtioTestDriver(device);
        Assert.True(driver.Negotiate(Features));
        uint generation = driver.Read(VirtioMmioRegister.ConfigGeneration);

        device.Resize(4096);

        Assert.NotEqual(generation, driver.Read(VirtioMmioRegister.ConfigGeneration));
        Assert.Equal(8UL, driver.Transport.Read(CapacityRegister, 8));
        Assert.Equal(0u, driver.Read(VirtioMmioRegister.InterruptStatus));
        Assert.False(driver.Interrupt.Level);
        Assert.Equal(0, driver.Interrupt.Raises);
    }

    [Fact]
    public void ADriverReadingDuringAChangeSeesTheGenerationMove()
    {
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0");
        using var driver = new VirtioTestDriver(device);
        driver.Start(Features, 64, 1);
        uint before = driver.Read(VirtioMmioRegister.ConfigGeneration);
        uint during = 0;

        // What a driver would do between its two generation reads, while the device is half-way through an update.
        driver.Transport.ChangeConfig(() => during = driver.Read(VirtioMmioRegister.ConfigGeneration));
        uint after = driver.Read(VirtioMmioRegister.ConfigGeneration);

        Assert.NotEqual(before, during);
        Assert.NotEqual(during, after);
        Assert.NotEqual(before, after);
        Assert.True(driver.Interrupt.Level);
    }

    [Fact]
    public void RequestsPastANewSmallerCapacityFailAndInsideItSucceed()
    {
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0");
        using var driver = new VirtioTestDriver(device);
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        device.Resize(64 * 512);

        Assert.Equal(VirtioBlockStatus.Ok, ReadSector(driver, queue, 63, 1));
        Assert.Equal(VirtioBlockStatus.IoError, ReadSector(driver, queue, 64, 2));

        device.Resize(DiskSize);
        Assert.Equal(VirtioBlockStatus.Ok, ReadSector(driver, queue, 64, 3));
    }

    [Theory]
    [InlineData(DiskSize + 512)]
    [InlineData(1000UL)]
    public void ResizeRefusesCapacitiesTheBackEndCannotServe(ulong bytes)
    {
        var device = new VirtioBlockDevice(_disk, readOnly: false, "disk0");
        using var driver = new VirtioTestDriver(device);
        driver.Start(Features, 64, 1);
        uint generation = driver.Read(VirtioMmioRegister.ConfigGeneration);
        Assert.Throws<ArgumentOutOfRangeException>(() => device.Resize(bytes));
        Assert.Equal(generation, driver.Read(VirtioMmioRegister.ConfigGeneration));
        Assert.Equal(DiskSize / 512, driver.Transport.Read(CapacityRegister, 8));
        Assert.False(driver.Interrupt.Level);
    }

    private static byte ReadSector(VirtioTestDriver driver, TestQueue queue, ulong sector, int used)
    {
        ulong header = driver.Alloc(16);
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, VirtioBlockRequestType.In);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), sector);
        driver.WriteBytes(header, bytes);
        ulong data = driver.Alloc(512);
        ulong status = driver.Alloc(1);
        driver.WriteBytes(status, [0xee]);
        queue.Publish(queue.AddChain((header, 16, false), (data, 512, true), (status, 1, true)));
        driver.Notify(0);
        driver.WaitUsed(queue, used);
        return driver.ReadBytes(status, 1)[0];
    }
}
