using System.Buffers.Binary;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Block;
using Vireo.Storage;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>virtio-blk over real image files: multi-segment requests go to the back-end as one vectored transfer.</summary>
public sealed class VirtioBlockImageTests : IDisposable
{
    private const ulong Features = VirtioFeatures.Version1 | VirtioFeatures.RingIndirectDesc | VirtioBlockFeatures.Flush;
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-blk-image").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(DiskFormat.Raw, DiskCacheMode.Writeback)]
    [InlineData(DiskFormat.Raw, DiskCacheMode.None)]
    [InlineData(DiskFormat.Qcow2, DiskCacheMode.Writeback)]
    public void ScatteredGuestBuffersRoundTripThroughTheImage(DiskFormat format, DiskCacheMode cache)
    {
        string path = Path.Combine(_dir, "disk");
        DiskImage.Create(path, format, 4 << 20);
        byte[] payload = new byte[3 * 4096];
        new Random(4).NextBytes(payload);
        using (IBlockDevice disk = DiskImage.Open(path, format, readOnly: false, cache))
        {
            using var driver = new VirtioTestDriver(new VirtioBlockDevice(disk, readOnly: false, "disk0"));
            TestQueue queue = driver.Start(Features, 64, 1)[0];

            // The header shares its buffer with the first 4 KiB of data; the rest is two pages far apart.
            ulong first = driver.Alloc(16 + 4096);
            ulong second = driver.Alloc(8192 + 4096);
            ulong third = driver.Alloc(4096);
            byte[] head = new byte[16 + 4096];
            BinaryPrimitives.WriteUInt32LittleEndian(head, VirtioBlockRequestType.Out);
            BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(8), 16);
            payload.AsSpan(0, 4096).CopyTo(head.AsSpan(16));
            driver.WriteBytes(first, head);
            driver.WriteBytes(second, payload.AsSpan(4096, 4096));
            driver.WriteBytes(third, payload.AsSpan(8192, 4096));
            ulong status = driver.Alloc(1);
            queue.Publish(queue.AddChain((first, 16 + 4096, false), (second, 4096, false), (third, 4096, false), (status, 1, true)));
            driver.Notify(0);
            driver.WaitUsed(queue, 1);
            Assert.Equal(VirtioBlockStatus.Ok, driver.ReadBytes(status, 1)[0]);

            // Read it back into three different buffers, the last one sharing its page with the status byte.
            ulong header = driver.Alloc(16);
            byte[] readHeader = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(readHeader, VirtioBlockRequestType.In);
            BinaryPrimitives.WriteUInt64LittleEndian(readHeader.AsSpan(8), 16);
            driver.WriteBytes(header, readHeader);
            ulong a = driver.Alloc(8192);
            ulong b = driver.Alloc(4096 + 1);
            queue.Publish(queue.AddChain((header, 16, false), (a, 8192, true), (b, 4096 + 1, true)));
            driver.Notify(0);
            driver.WaitUsed(queue, 2);
            Assert.Equal(VirtioBlockStatus.Ok, driver.ReadBytes(b + 4096, 1)[0]);
            Assert.Equal(payload.AsSpan(0, 8192).ToArray(), driver.ReadBytes(a, 8192));
            Assert.Equal(payload.AsSpan(8192).ToArray(), driver.ReadBytes(b, 4096));
        }

        using IBlockDevice reopened = DiskImage.Open(path, format, readOnly: true);
        byte[] onDisk = new byte[payload.Length];
        reopened.Read(16 * 512, onDisk);
        Assert.Equal(payload, onDisk);
    }
}
