namespace Vireo.Machine.Boot;

/// <summary>
/// Where the boot loader puts the device tree and the initrd, following QEMU's virt board so firmware and kernels
/// find things where they expect: the DTB at the top of (the first 3 GiB of) RAM on a 2 MiB boundary, the initrd
/// 128 MiB (or half of RAM, if smaller) above the kernel.
/// </summary>
public static class BootLayout
{
    private const ulong TwoMiB = 2UL << 20;
    private const ulong DtbReserve = 2UL << 20;

    /// <summary>Address of the DTB for a RAM of <paramref name="ramSize"/> bytes at <paramref name="ramBase"/>.</summary>
    public static ulong DeviceTreeAddress(ulong ramBase, ulong ramSize)
    {
        ulong end = ramBase + Math.Min(ramSize, 3UL << 30);
        return (end - DtbReserve) & ~(TwoMiB - 1);
    }

    /// <summary>Address of an initrd of <paramref name="size"/> bytes for a kernel at <paramref name="kernelStart"/>.</summary>
    /// <exception cref="BootImageException">The initrd does not fit between the kernel and the DTB.</exception>
    public static ulong InitrdAddress(ulong ramBase, ulong ramSize, ulong kernelStart, ulong kernelEnd, ulong size)
    {
        ulong dtb = DeviceTreeAddress(ramBase, ramSize);
        ulong start = kernelStart + Math.Min(ramSize / 2, 128UL << 20);
        start = Math.Max(start, (kernelEnd + 0xfff) & ~0xfffUL);
        if (start + size > dtb)
        {
            // Small RAM: put it as high as possible below the DTB.
            start = (dtb - size) & ~0xfffUL;
            if (size > dtb || start < kernelEnd)
            {
                throw new BootImageException($"initrd of {size} bytes does not fit in guest RAM; give the VM more memory");
            }
        }

        return start;
    }
}
