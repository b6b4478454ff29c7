using System.Buffers.Binary;
using System.Text;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Block;

namespace Vireo.Devices.Tests.Virtio;

public sealed class VirtioBlockDeviceTests
{
    private const ulong DiskSize = 1 << 20;
    private const ulong Features = VirtioFeatures.Version1 | VirtioFeatures.RingIndirectDesc | VirtioBlockFeatures.Flush
        | VirtioBlockFeatures.Discard | VirtioBlockFeatures.WriteZeroes | VirtioBlockFeatures.SegMax | VirtioBlockFeatures.SizeMax;

    private readonly MemoryBlockDevice _disk = new(DiskSize);

    [Fact]
    public void Config_ReportsCapacityBlockSizeAndLimits()
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0", blockSize: 4096));
        Assert.Equal(2u, driver.Read(VirtioMmioRegister.DeviceId));
        Assert.Equal(DiskSize / 512, driver.Transport.Read(0x100, 8));
        Assert.Equal((ulong)VirtioBlockDevice.MaxSegmentSize, driver.Transport.Read(0x108, 4));
        Assert.Equal((ulong)VirtioBlockDevice.MaxSegments, driver.Transport.Read(0x10c, 4));
        Assert.Equal(4096UL, driver.Transport.Read(0x114, 4));
        Assert.Equal((ulong)VirtioBlockDevice.MaxRangeSectors, driver.Transport.Read(0x124, 4));
        Assert.Equal(8UL, driver.Transport.Read(0x12c, 4)); // discard alignment in sectors
        Assert.Equal(1UL, driver.Transport.Read(0x138, 1)); // write_zeroes_may_unmap
        Assert.Equal(0UL, driver.Transport.Read(0x13c, 4)); // past the config space
        ulong offered = driver.ReadDeviceFeatures();
        Assert.Equal(0UL, offered & VirtioBlockFeatures.ReadOnly);
        Assert.Equal(Features | VirtioFeatures.RingEventIdx | VirtioBlockFeatures.BlockSize, offered);
    }

    [Fact]
    public void WriteThenRead_RoundTripsThroughTheDisk()
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        byte[] payload = new byte[1536];
        new Random(1).NextBytes(payload);
        ulong source = driver.Alloc(1536);
        driver.WriteBytes(source, payload);

        Request write = Submit(driver, queue, VirtioBlockRequestType.Out, 5, (source, 1024, false), (source + 1024, 512, false));
        driver.WaitUsed(queue, 1);
        Assert.Equal(VirtioBlockStatus.Ok, write.Status(driver));
        Assert.Equal(payload, _disk.Bytes.AsSpan(5 * 512, 1536).ToArray());

        ulong destination = driver.Alloc(1536);
        Request read = Submit(driver, queue, VirtioBlockRequestType.In, 5, (destination, 512, true), (destination + 512, 1024, true));
        driver.WaitUsed(queue, 2);
        Assert.Equal(VirtioBlockStatus.Ok, read.Status(driver));
        Assert.Equal(payload, driver.ReadBytes(destination, 1536));
        Assert.Equal((read.Head, 1537u), queue.UsedElement(1));
        VirtioTestDriver.WaitUntil(() => driver.Interrupt.Level, "the interrupt");
    }

    [Fact]
    public void RequestWithHeaderDataAndStatusInOneBuffer_IsParsedAcrossBoundaries()
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        ulong header = driver.Alloc(16 + 512);
        byte[] bytes = new byte[16 + 512];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, VirtioBlockRequestType.Out);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), 2);
        bytes.AsSpan(16).Fill(0x5a);
        driver.WriteBytes(header, bytes);
        ulong status = driver.Alloc(1);
        queue.Publish(queue.AddChain((header, 16 + 512, false), (status, 1, true)));
        driver.Notify(0);
        driver.WaitUsed(queue, 1);
        Assert.Equal(VirtioBlockStatus.Ok, driver.ReadBytes(status, 1)[0]);
        Assert.All(_disk.Bytes.AsSpan(1024, 512).ToArray(), b => Assert.Equal(0x5a, b));
    }

    [Fact]
    public void Flush_ReachesTheBackEnd_AndWritesAreWriteThroughWithoutFlushFeature()
    {
        using (var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0")))
        {
            TestQueue queue = driver.Start(Features, 64, 1)[0];
            Request flush = Submit(driver, queue, VirtioBlockRequestType.Flush, 0);
            driver.WaitUsed(queue, 1);
            Assert.Equal(VirtioBlockStatus.Ok, flush.Status(driver));
            Assert.Equal(1, _disk.Flushes);
            ulong data = driver.Alloc(512);
            Submit(driver, queue, VirtioBlockRequestType.Out, 0, (data, 512, false));
            driver.WaitUsed(queue, 2);
            Assert.Equal(1, _disk.Flushes); // writeback cache: a write alone does not flush
        }

        using (var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0")))
        {
            TestQueue queue = driver.Start(VirtioFeatures.Version1, 64, 1)[0];
            ulong data = driver.Alloc(512);
            Submit(driver, queue, VirtioBlockRequestType.Out, 0, (data, 512, false));
            driver.WaitUsed(queue, 1);
            Assert.Equal(2, _disk.Flushes);
        }
    }

    [Fact]
    public void GetId_ReturnsTheSerialPaddedTo20Bytes()
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "vireo-serial-1"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        ulong id = driver.Alloc(20);
        driver.WriteBytes(id, Enumerable.Repeat((byte)0xff, 20).ToArray());
        Request request = Submit(driver, queue, VirtioBlockRequestType.GetId, 0, (id, 20, true));
        driver.WaitUsed(queue, 1);
        Assert.Equal(VirtioBlockStatus.Ok, request.Status(driver));
        byte[] expected = new byte[20];
        Encoding.ASCII.GetBytes("vireo-serial-1").CopyTo(expected, 0);
        Assert.Equal(expected, driver.ReadBytes(id, 20));
    }

    [Theory]
    [InlineData(VirtioBlockRequestType.Discard, 0u, VirtioBlockStatus.Ok, "discard")]
    [InlineData(VirtioBlockRequestType.WriteZeroes, 0u, VirtioBlockStatus.Ok, "zeroes")]
    [InlineData(VirtioBlockRequestType.WriteZeroes, 1u, VirtioBlockStatus.Ok, "zeroes")]
    [InlineData(VirtioBlockRequestType.Discard, 1u, VirtioBlockStatus.Unsupported, null)]
    public void DiscardAndWriteZeroes_ClearRanges(uint type, uint flags, byte expectedStatus, string? op)
    {
        _disk.Bytes.AsSpan().Fill(0x11);
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        ulong ranges = driver.Alloc(32);
        byte[] payload = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(8), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(12), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(16), 100);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(24), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(28), flags);
        driver.WriteBytes(ranges, payload);

        Request request = Submit(driver, queue, type, 0, (ranges, 32, false));
        driver.WaitUsed(queue, 1);
        Assert.Equal(expectedStatus, request.Status(driver));
        if (op == null)
        {
            Assert.Empty(_disk.Ranges);
            return;
        }

        Assert.Equal([(op, 8UL * 512, 4UL * 512), (op, 100UL * 512, 512UL)], _disk.Ranges);
        Assert.All(_disk.Bytes.AsSpan(8 * 512, 4 * 512).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0x11, _disk.Bytes[(12 * 512) + 1]);
    }

    [Fact]
    public void ReadOnlyDisk_OffersRo_AndFailsWrites()
    {
        _disk.Bytes.AsSpan().Fill(0x22);
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: true, "ro"));
        ulong offered = driver.ReadDeviceFeatures();
        Assert.NotEqual(0UL, offered & VirtioBlockFeatures.ReadOnly);
        Assert.Equal(0UL, offered & (VirtioBlockFeatures.Discard | VirtioBlockFeatures.WriteZeroes));
        TestQueue queue = driver.Start(VirtioFeatures.Version1 | VirtioBlockFeatures.ReadOnly | VirtioBlockFeatures.Flush, 64, 1)[0];
        ulong data = driver.Alloc(512);
        Request write = Submit(driver, queue, VirtioBlockRequestType.Out, 0, (data, 512, false));
        Request zero = Submit(driver, queue, VirtioBlockRequestType.WriteZeroes, 0, (data, 16, false));
        Request read = Submit(driver, queue, VirtioBlockRequestType.In, 0, (data, 512, true));
        driver.WaitUsed(queue, 3);
        Assert.Equal(VirtioBlockStatus.IoError, write.Status(driver));
        Assert.Equal(VirtioBlockStatus.Unsupported, zero.Status(driver));
        Assert.Equal(VirtioBlockStatus.Ok, read.Status(driver));
        Assert.Equal(-1, _disk.Bytes.AsSpan().IndexOfAnyExcept((byte)0x22));
    }

    [Fact]
    public void ReadOnlyBackEnd_ForcesReadOnlyDevice()
    {
        var disk = new MemoryBlockDevice(DiskSize, readOnly: true);
        using var device = new VirtioBlockDevice(disk, readOnly: false, "x");
        Assert.True(device.IsReadOnly);
    }

    [Fact]
    public void MoreDataSegmentsThanSegMax_FailsWithIoError()
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        int segments = (int)VirtioBlockDevice.MaxSegments + 1;
        ulong header = driver.Alloc(16);
        WriteHeader(driver, header, VirtioBlockRequestType.In, 0);
        ulong data = driver.Alloc(512 * (ulong)segments);
        ulong status = driver.Alloc(1);
        ulong table = driver.Alloc(16 * ((ulong)segments + 2));
        TestQueue.WriteDescriptor(driver.Ram, table, 0, header, 16, TestQueue.Next, 1);
        for (int i = 0; i < segments; i++)
        {
            TestQueue.WriteDescriptor(driver.Ram, table, i + 1, data + (512 * (ulong)i), 512, TestQueue.Write | TestQueue.Next, (ushort)(i + 2));
        }

        TestQueue.WriteDescriptor(driver.Ram, table, segments + 1, status, 1, TestQueue.Write, 0);
        queue.WriteDescriptor(0, table, 16 * ((uint)segments + 2), TestQueue.Indirect, 0);
        queue.Publish(0);
        driver.Notify(0);
        driver.WaitUsed(queue, 1);
        Assert.Equal(VirtioBlockStatus.IoError, driver.ReadBytes(status, 1)[0]);
        Assert.Equal(0u, driver.Status & VirtioDeviceStatus.DeviceNeedsReset);
    }

    [Fact]
    public void SegmentLargerThanSizeMax_FailsWithIoError()
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(new MemoryBlockDevice(4 << 20), readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        ulong data = driver.Alloc(VirtioBlockDevice.MaxSegmentSize + 512);
        Request request = Submit(driver, queue, VirtioBlockRequestType.In, 0, (data, VirtioBlockDevice.MaxSegmentSize + 512, true));
        driver.WaitUsed(queue, 1);
        Assert.Equal(VirtioBlockStatus.IoError, request.Status(driver));
    }

    [Theory]
    [InlineData(VirtioBlockRequestType.In, DiskSize / 512, 512u)]
    [InlineData(VirtioBlockRequestType.In, (DiskSize / 512) - 1, 1024u)]
    [InlineData(VirtioBlockRequestType.Out, ulong.MaxValue, 512u)]
    [InlineData(VirtioBlockRequestType.In, 0UL, 100u)]
    public void OutOfRangeOrUnalignedRequests_FailWithIoError(uint type, ulong sector, uint length)
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        Request request = Submit(driver, queue, type, sector, (driver.Alloc(length), length, type == VirtioBlockRequestType.In));
        driver.WaitUsed(queue, 1);
        Assert.Equal(VirtioBlockStatus.IoError, request.Status(driver));
    }

    [Fact]
    public void BackEndIoException_BecomesIoError_AndTheDeviceKeepsWorking()
    {
        _disk.FailingOffset = 512;
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        ulong data = driver.Alloc(512);
        Request bad = Submit(driver, queue, VirtioBlockRequestType.In, 1, (data, 512, true));
        driver.WaitUsed(queue, 1);
        Request good = Submit(driver, queue, VirtioBlockRequestType.In, 2, (data, 512, true));
        driver.WaitUsed(queue, 2);
        Assert.Equal(VirtioBlockStatus.IoError, bad.Status(driver));
        Assert.Equal(VirtioBlockStatus.Ok, good.Status(driver));
    }

    [Fact]
    public void UnknownRequestType_IsUnsupported()
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        Request request = Submit(driver, queue, 99, 0);
        driver.WaitUsed(queue, 1);
        Assert.Equal(VirtioBlockStatus.Unsupported, request.Status(driver));
    }

    [Fact]
    public void RequestWithoutStatusByte_SetsNeedsReset()
    {
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        ulong header = driver.Alloc(16);
        WriteHeader(driver, header, VirtioBlockRequestType.Flush, 0);
        queue.Publish(queue.AddChain((header, 16, false)));
        driver.Notify(0);
        VirtioTestDriver.WaitUntil(() => (driver.Status & VirtioDeviceStatus.DeviceNeedsReset) != 0, "NEEDS_RESET");
        Assert.Single(driver.Log);
    }

    [Fact]
    public void SlowRequest_DoesNotHoldBackLaterOnes_CompletionIsOutOfOrder()
    {
        using var gate = new ManualResetEventSlim(false);
        _disk.GatedOffset = 0;
        _disk.ReadGate = gate;
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        Request slow = Submit(driver, queue, VirtioBlockRequestType.In, 0, (driver.Alloc(512), 512, true), notify: false);
        Request fast = Submit(driver, queue, VirtioBlockRequestType.In, 8, (driver.Alloc(512), 512, true));

        driver.WaitUsed(queue, 1);
        Assert.Equal(fast.Head, (ushort)queue.UsedElement(0).Id);
        gate.Set();
        driver.WaitUsed(queue, 2);
        Assert.Equal(slow.Head, (ushort)queue.UsedElement(1).Id);
        Assert.Equal(VirtioBlockStatus.Ok, slow.Status(driver));
    }

    [Fact]
    public void ManyConcurrentRequests_AllCompleteWithTheRightData()
    {
        for (int i = 0; i < _disk.Bytes.Length; i++)
        {
            _disk.Bytes[i] = (byte)(i / 512);
        }

        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0", maxInFlight: 4));
        TestQueue queue = driver.Start(Features | VirtioFeatures.RingEventIdx, 64, 1)[0];
        var requests = new List<(Request Request, ulong Data, int Sector)>();
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 20; i++)
            {
                int sector = (round * 20) + i;
                ulong data = driver.Alloc(512);
                requests.Add((Submit(driver, queue, VirtioBlockRequestType.In, (ulong)sector, (data, 512, true), notify: false), data, sector));
            }

            driver.Notify(0);
            driver.WaitUsed(queue, (round + 1) * 20);
        }

        foreach ((Request request, ulong data, int sector) in requests)
        {
            Assert.Equal(VirtioBlockStatus.Ok, request.Status(driver));
            Assert.Equal(-1, driver.ReadBytes(data, 512).AsSpan().IndexOfAnyExcept((byte)sector));
        }
    }

    [Fact]
    public async Task ResetWhileRequestsAreInFlight_WaitsForThem()
    {
        using var gate = new ManualResetEventSlim(false);
        _disk.GatedOffset = 0;
        _disk.ReadGate = gate;
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 64, 1)[0];
        Submit(driver, queue, VirtioBlockRequestType.In, 0, (driver.Alloc(512), 512, true));
        VirtioTestDriver.WaitUntil(() => _disk.GatedReadStarted.IsSet, "the request to reach the disk");
        var reset = Task.Run(() => driver.Write(VirtioMmioRegister.Status, 0));
        Thread.Sleep(20);
        Assert.False(reset.IsCompleted);
        gate.Set();
        await reset.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0u, driver.Status);
        Assert.True(driver.Transport.IsIdle);
    }

    private static void WriteHeader(VirtioTestDriver driver, ulong address, uint type, ulong sector)
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, type);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), sector);
        driver.WriteBytes(address, header);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0ul)]
    [InlineData(600ul * 1024)]
    public void LargeWrite_FromScatteredBuffers_LandsAtTheRightOffsets(ulong? failingOffset)
    {
        // 640 KiB in 4 KiB buffers taken out of order; a failure anywhere fails the request.
        const int Buffers = 160;
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 256, 1)[0];
        byte[] payload = new byte[Buffers * 4096];
        new Random(7).NextBytes(payload);
        ulong source = driver.Alloc((ulong)payload.Length);
        driver.WriteBytes(source, payload);
        var buffers = new (ulong, uint, bool)[Buffers];
        for (int i = 0; i < Buffers; i++)
        {
            // Every other buffer from the far half of the source, so the disk content shows any offset mix-up.
            int block = (i % 2 == 0) ? i / 2 : (Buffers / 2) + (i / 2);
            buffers[i] = (source + ((ulong)block * 4096), 4096u, false);
        }

        _disk.FailingOffset = failingOffset;
        Request write = Submit(driver, queue, VirtioBlockRequestType.Out, 0, buffers);
        driver.WaitUsed(queue, 1);

        if (failingOffset != null)
        {
            Assert.Equal(VirtioBlockStatus.IoError, write.Status(driver));
            return;
        }

        Assert.Equal(VirtioBlockStatus.Ok, write.Status(driver));
        for (int i = 0; i < Buffers; i++)
        {
            int block = (i % 2 == 0) ? i / 2 : (Buffers / 2) + (i / 2);
            Assert.True(payload.AsSpan(block * 4096, 4096).SequenceEqual(_disk.Bytes.AsSpan(i * 4096, 4096)), $"disk block {i} holds the wrong data");
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0ul)]
    [InlineData(600ul * 1024)]
    public void LargeRead_IsReadIntoTheRightScatteredBuffers(ulong? failingOffset)
    {
        // 640 KiB into 4 KiB buffers, in an order unlike the disk's; a failure anywhere fails the request.
        const int Buffers = 160;
        using var driver = new VirtioTestDriver(new VirtioBlockDevice(_disk, readOnly: false, "disk0"));
        TestQueue queue = driver.Start(Features, 256, 1)[0];
        new Random(11).NextBytes(_disk.Bytes.AsSpan(0, Buffers * 4096));
        ulong destination = driver.Alloc(Buffers * 4096);
        var buffers = new (ulong, uint, bool)[Buffers];
        for (int i = 0; i < Buffers; i++)
        {
            // Disk block i lands in every other buffer of the destination, so any offset mix-up shows.
            int block = (i % 2 == 0) ? i / 2 : (Buffers / 2) + (i / 2);
            buffers[i] = (destination + ((ulong)block * 4096), 4096u, true);
        }

        _disk.FailingOffset = failingOffset;
        Request read = Submit(driver, queue, VirtioBlockRequestType.In, 0, buffers);
        driver.WaitUsed(queue, 1);

        if (failingOffset != null)
        {
            Assert.Equal(VirtioBlockStatus.IoError, read.Status(driver));
            return;
        }

        Assert.Equal(VirtioBlockStatus.Ok, read.Status(driver));
        for (int i = 0; i < Buffers; i++)
        {
            int block = (i % 2 == 0) ? i / 2 : (Buffers / 2) + (i / 2);
            Assert.True(_disk.Bytes.AsSpan(i * 4096, 4096).SequenceEqual(driver.ReadBytes(destination + ((ulong)block * 4096), 4096)), $"disk block {i} was read into the wrong buffer");
        }
    }

    private static Request Submit(VirtioTestDriver driver, TestQueue queue, uint type, ulong sector, params (ulong Address, uint Length, bool Writable)[] data) =>
        Submit(driver, queue, type, sector, data[0], true, data[1..]);

    private static Request Submit(VirtioTestDriver driver, TestQueue queue, uint type, ulong sector) =>
        Submit(driver, queue, type, sector, null, true, []);

    private static Request Submit(VirtioTestDriver driver, TestQueue queue, uint type, ulong sector, (ulong Address, uint Length, bool Writable) data, bool notify) =>
        Submit(driver, queue, type, sector, data, notify, []);

    private static Request Submit(
        VirtioTestDriver driver,
        TestQueue queue,
        uint type,
        ulong sector,
        (ulong Address, uint Length, bool Writable)? first,
        bool notify,
        (ulong Address, uint Length, bool Writable)[] rest)
    {
        ulong header = driver.Alloc(16);
        WriteHeader(driver, header, type, sector);
        ulong status = driver.Alloc(1);
        driver.WriteBytes(status, [0xee]);
        var buffers = new List<(ulong, uint, bool)> { (header, 16, false) };
        if (first != null)
        {
            buffers.Add(first.Value);
        }

        buffers.AddRange(rest);
        buffers.Add((status, 1, true));
        ushort head = queue.AddChain([.. buffers]);
        queue.Publish(head);
        if (notify)
        {
            driver.Notify(0);
        }

        return new Request(head, status);
    }

    private readonly record struct Request(ushort Head, ulong StatusAddress)
    {
        public byte Status(VirtioTestDriver driver) => driver.ReadBytes(StatusAddress, 1)[0];
    }
}
