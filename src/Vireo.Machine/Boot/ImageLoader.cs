using System.Buffers.Binary;
using Vireo.Core.Memory;

namespace Vireo.Machine.Boot;

/// <summary>
/// Loads boot images into guest RAM: RISC-V Linux <c>Image</c> files (by their header), ELF executables (by their
/// program headers) and raw binaries. Bad files raise <see cref="BootImageException"/> with a one-line reason.
/// </summary>
public static class ImageLoader
{
    private const ulong ImageMagic = 0x0000_0056_4353_4952; // "RISCV\0\0\0", little-endian
    private const uint ImageMagic2 = 0x0543_5352; // "RSC\x05"
    private const ulong DefaultTextOffset = 0x20_0000;
    private const ushort ElfMachineRiscV = 243;

    /// <summary>True when <paramref name="header"/> starts a RISC-V Linux Image.</summary>
    public static bool IsLinuxImage(ReadOnlySpan<byte> header) =>
        header.Length >= 64
        && BinaryPrimitives.ReadUInt64LittleEndian(header[48..]) == ImageMagic
        && BinaryPrimitives.ReadUInt32LittleEndian(header[56..]) == ImageMagic2;

    /// <summary>True when <paramref name="header"/> starts an ELF file.</summary>
    public static bool IsElf(ReadOnlySpan<byte> header) =>
        header.Length >= 4 && header[0] == 0x7f && header[1] == (byte)'E' && header[2] == (byte)'L' && header[3] == (byte)'F';

    /// <summary>
    /// Loads a kernel: a Linux Image at RAM base + its text_offset, or an ELF at its physical addresses.
    /// Anything else is not a kernel.
    /// </summary>
    public static LoadedImage LoadKernel(GuestRam ram, string path)
    {
        byte[] file = ReadFile(path, ram.Size);
        if (IsLinuxImage(file))
        {
            ulong textOffset = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(8));
            ulong imageSize = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(16));
            ulong address = ram.BaseAddress + (textOffset == 0 ? DefaultTextOffset : textOffset);
            ulong end = address + Math.Max(imageSize, (ulong)file.Length);
            Place(ram, address, file, path);
            if (!ram.Contains(address, end - address))
            {
                throw new BootImageException($"{path}: kernel needs {end - ram.BaseAddress} bytes of RAM; give the VM more memory");
            }

            return new LoadedImage(address, address, end);
        }

        if (IsElf(file))
        {
            return LoadElf(ram, file, path);
        }

        throw new BootImageException($"{path}: not a kernel (neither a RISC-V Linux Image nor an ELF file)");
    }

    /// <summary>Loads M-mode firmware: an ELF at its physical addresses, or a raw binary at the start of RAM.</summary>
    public static LoadedImage LoadFirmware(GuestRam ram, string path)
    {
        byte[] file = ReadFile(path, ram.Size);
        if (IsElf(file))
        {
            return LoadElf(ram, file, path);
        }

        Place(ram, ram.BaseAddress, file, path);
        return new LoadedImage(ram.BaseAddress, ram.BaseAddress, ram.BaseAddress + (ulong)file.Length);
    }

    /// <summary>Copies a whole file (an initrd) to <paramref name="address"/>.</summary>
    public static LoadedImage LoadBlob(GuestRam ram, string path, ulong address)
    {
        byte[] file = ReadFile(path, ram.Size);
        Place(ram, address, file, path);
        return new LoadedImage(address, address, address + (ulong)file.Length);
    }

    /// <summary>Size of a file, with the same one-line errors as loading it.</summary>
    public static ulong SizeOf(string path)
    {
        try
        {
            return (ulong)new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new BootImageException($"{path}: {e.Message}");
        }
    }

    private static LoadedImage LoadElf(GuestRam ram, byte[] file, string path)
    {
        ReadOnlySpan<byte> data = file;
        if (data.Length < 64 || data[4] != 2 || data[5] != 1)
        {
            throw new BootImageException($"{path}: not a 64-bit little-endian ELF file");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(data[18..]) != ElfMachineRiscV)
        {
            throw new BootImageException($"{path}: ELF file is not for RISC-V");
        }

        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(data[24..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(data[32..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(data[54..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(data[56..]);
        if (phentsize < 56 || phoff > (ulong)data.Length || (ulong)phentsize * (ulong)phnum > (ulong)data.Length - phoff)
        {
            throw new BootImageException($"{path}: ELF program headers lie outside the file");
        }

        ulong low = ulong.MaxValue;
        ulong high = 0;
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> ph = data.Slice((int)phoff + (i * phentsize), phentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != 1)
            {
                continue; // only PT_LOAD segments occupy memory
            }

            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            ulong physical = ToRam(ram, BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]));
            ulong fileSize = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            ulong memorySize = BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]);
            if (fileSize > memorySize || offset > (ulong)data.Length || fileSize > (ulong)data.Length - offset)
            {
                throw new BootImageException($"{path}: ELF segment {i} lies outside the file");
            }

            if (!ram.Contains(physical, memorySize))
            {
                throw new BootImageException($"{path}: ELF segment {i} at 0x{physical:x} (+0x{memorySize:x}) is outside guest RAM");
            }

            Place(ram, physical, data.Slice((int)offset, (int)fileSize).ToArray(), path);
            ram.Discard(physical + fileSize, memorySize - fileSize);
            low = Math.Min(low, physical);
            high = Math.Max(high, physical + memorySize);
        }

        if (low == ulong.MaxValue)
        {
            throw new BootImageException($"{path}: ELF file has no loadable segment");
        }

        return new LoadedImage(ToRam(ram, entry), low, high);
    }

    // Kernel ELFs link at virtual addresses (0xffffffff80000000); like QEMU, fold them into RAM.
    private static ulong ToRam(GuestRam ram, ulong address) =>
        ram.Contains(address, 1) ? address : (address & 0x7fff_ffff) | ram.BaseAddress;

    private static void Place(GuestRam ram, ulong address, byte[] bytes, string path)
    {
        if (!ram.TryWrite(address, bytes))
        {
            throw new BootImageException($"{path}: {bytes.Length} bytes do not fit in guest RAM at 0x{address:x}; give the VM more memory");
        }
    }

    /// <summary>
    /// Reads the whole file, failing once it passes <paramref name="limit"/> bytes: a character device or a pipe
    /// (<c>/dev/zero</c>) reports length 0 and never ends, so the length from the file system cannot bound the read.
    /// </summary>
    private static byte[] ReadAtMost(string path, ulong limit)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        int cap = (int)Math.Min(limit, (ulong)Array.MaxLength - 1);
        byte[] buffer = new byte[(int)Math.Min((ulong)cap + 1, Math.Max(stream.CanSeek ? (ulong)stream.Length + 1 : 0, 1UL << 20))];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > cap)
                {
                    throw new BootImageException($"{path}: larger than guest RAM ({limit} bytes); give the VM more memory or check the path");
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, (long)cap + 1));
            }

            int read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        if (length > cap)
        {
            throw new BootImageException($"{path}: larger than guest RAM ({limit} bytes); give the VM more memory or check the path");
        }

        Array.Resize(ref buffer, length);
        return buffer;
    }

    private static byte[] ReadFile(string path, ulong limit)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new BootImageException($"{path}: no such file");
            }

            if ((ulong)info.Length > limit)
            {
                throw new BootImageException($"{path}: {info.Length} bytes is larger than guest RAM");
            }

            return ReadAtMost(path, limit);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new BootImageException($"{path}: {e.Message}");
        }
    }
}
