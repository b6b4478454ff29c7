using System.Buffers.Binary;
using Vireo.Core.Memory;
using Vireo.Machine.Boot;

namespace Vireo.Machine.Tests.Boot;

public sealed class ImageLoaderTests : IDisposable
{
    private const ulong RamBase = 0x8000_0000;
    private readonly GuestRam _ram = new(RamBase, 64 << 20);
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-loader").FullName;

    public void Dispose()
    {
        _ram.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] LinuxImage(ulong textOffset, ulong imageSize, int length)
    {
        byte[] image = new byte[length];
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(8), textOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(16), imageSize);
        "RISCV\0\0\0"u8.CopyTo(image.AsSpan(48));
        "RSC\x05"u8.CopyTo(image.AsSpan(56));
        image[length - 1] = 0x5a;
        return image;
    }

    private static byte[] Elf(ulong entry, ulong paddr, byte[] payload, ulong memorySize, ushort machine = 243)
    {
        byte[] elf = new byte[64 + 56 + payload.Length];
        elf[0] = 0x7f;
        elf[1] = (byte)'E';
        elf[2] = (byte)'L';
        elf[3] = (byte)'F';
        elf[4] = 2;
        elf[5] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(18), machine);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(24), entry);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(56), 1);
        Span<byte> ph = elf.AsSpan(64, 56);
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], 120);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], paddr);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], paddr);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], memorySize);
        payload.CopyTo(elf.AsSpan(120));
        return elf;
    }

    [Fact]
    public void LinuxImageLandsAtTextOffsetAndReservesItsImageSize()
    {
        string path = Write("Image", LinuxImage(0x20_0000, 0x40_0000, 8192));
        LoadedImage loaded = ImageLoader.LoadKernel(_ram, path);
        Assert.Equal(new LoadedImage(RamBase + 0x20_0000, RamBase + 0x20_0000, RamBase + 0x60_0000), loaded);
        byte[] last = new byte[1];
        Assert.True(_ram.TryRead(RamBase + 0x20_0000 + 8191, last));
        Assert.Equal(0x5a, last[0]);
    }

    [Fact]
    public void ElfSegmentsLoadAtPhysicalAddressesWithBssCleared()
    {
        Assert.True(_ram.TryWrite(RamBase + 0x1004, [0xff, 0xff]));
        string path = Write("fw.elf", Elf(RamBase + 0x1000, RamBase + 0x1000, [1, 2, 3, 4], 16));
        LoadedImage loaded = ImageLoader.LoadKernel(_ram, path);
        Assert.Equal(new LoadedImage(RamBase + 0x1000, RamBase + 0x1000, RamBase + 0x1010), loaded);
        byte[] back = new byte[6];
        Assert.True(_ram.TryRead(RamBase + 0x1000, back));
        Assert.Equal([1, 2, 3, 4, 0, 0], back);
    }

    [Fact]
    public void KernelElfLinkedAtVirtualAddressesIsFoldedIntoRam()
    {
        string path = Write("vmlinux", Elf(0xffff_ffff_8020_0000, 0xffff_ffff_8020_0000, [9], 1));
        Assert.Equal(RamBase + 0x20_0000, ImageLoader.LoadKernel(_ram, path).Entry);
    }

    [Theory]
    [InlineData("garbage", "not a kernel")]
    [InlineData("arm-elf", "not for RISC-V")]
    [InlineData("outside", "outside guest RAM")]
    [InlineData("missing", "no such file")]
    public void BadKernelsGiveOneLineReasons(string kind, string reason)
    {
        string path = kind switch
        {
            "garbage" => Write("k", new byte[4096]),
            "arm-elf" => Write("k", Elf(RamBase, RamBase, [1], 1, machine: 183)),
            "outside" => Write("k", Elf(RamBase, RamBase + (63 << 20), [1], 2 << 20)),
            _ => Path.Combine(_dir, "nothing-here"),
        };
        BootImageException error = Assert.Throws<BootImageException>(() => ImageLoader.LoadKernel(_ram, path));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void FirmwareRawBinaryLoadsAtRamBase()
    {
        string path = Write("fw_jump.bin", [0x97, 0x02, 0x00, 0x00]);
        Assert.Equal(new LoadedImage(RamBase, RamBase, RamBase + 4), ImageLoader.LoadFirmware(_ram, path));
    }

    [Theory]
    [InlineData(256UL << 20, 0x8FE0_0000UL)]
    [InlineData(8UL << 30, 0x1_3FE0_0000UL)]
    public void DeviceTreeGoesBelowTheTopOfTheFirstThreeGigabytes(ulong size, ulong expected)
    {
        Assert.Equal(expected, BootLayout.DeviceTreeAddress(RamBase, size));
    }

    [Fact]
    public void InitrdGoes128MiBAboveTheKernelOrAsHighAsFits()
    {
        Assert.Equal(RamBase + 0x20_0000 + (128UL << 20), BootLayout.InitrdAddress(RamBase, 1UL << 30, RamBase + 0x20_0000, RamBase + 0x100_0000, 4 << 20));

        // 64 MiB of RAM: half of RAM above the kernel.
        Assert.Equal(RamBase + 0x20_0000 + (32UL << 20), BootLayout.InitrdAddress(RamBase, 64UL << 20, RamBase + 0x20_0000, RamBase + 0x100_0000, 4 << 20));

        Assert.Throws<BootImageException>(() => BootLayout.InitrdAddress(RamBase, 64UL << 20, RamBase + 0x20_0000, RamBase + 0x100_0000, 60 << 20));
    }

    [Fact]
    public void An_endless_character_device_is_refused_once_it_passes_the_ram_size()
    {
        // Issue 19 item 6: /dev/zero reports length 0; reading it "whole" ran the host out of memory.
        Assert.Contains("larger than guest RAM", Assert.Throws<BootImageException>(() => ImageLoader.LoadKernel(_ram, "/dev/zero")).Message, StringComparison.Ordinal);
        Assert.Contains("larger than guest RAM", Assert.Throws<BootImageException>(() => ImageLoader.LoadFirmware(_ram, "/dev/zero")).Message, StringComparison.Ordinal);
        Assert.Contains("larger than guest RAM", Assert.Throws<BootImageException>(() => ImageLoader.LoadBlob(_ram, "/dev/zero", RamBase)).Message, StringComparison.Ordinal);
    }
}
