namespace Vireo.Machine.Devices;

/// <summary>Addresses and interrupt numbers of QEMU's riscv64 <c>virt</c> board, which Vireo reproduces.</summary>
public static class VirtMemoryMap
{
    /// <summary>SiFive test device (poweroff/reboot).</summary>
    public const ulong Test = 0x0010_0000;

    /// <summary>Goldfish RTC.</summary>
    public const ulong Rtc = 0x0010_1000;

    /// <summary>CLINT.</summary>
    public const ulong Clint = 0x0200_0000;

    /// <summary>PLIC.</summary>
    public const ulong Plic = 0x0C00_0000;

    /// <summary>Size of the PLIC's <c>reg</c> in the device tree, as QEMU advertises it (room for 1024 contexts).</summary>
    public const ulong PlicDeviceTreeSize = 0x60_0000;

    /// <summary>NS16550A UART.</summary>
    public const ulong Uart = 0x1000_0000;

    /// <summary>First virtio-mmio slot; slot n is at <see cref="VirtioBase"/> + n · <see cref="VirtioStride"/>.</summary>
    public const ulong VirtioBase = 0x1000_1000;

    /// <summary>Distance between virtio-mmio slots (and each slot's window size).</summary>
    public const ulong VirtioStride = 0x1000;

    /// <summary>
    /// Number of virtio-mmio slots: QEMU's 8 (0x1000_1000-0x1000_8fff, PLIC sources 1-8) and 8 more right after them
    /// (0x1000_9000-0x1001_0fff, below QEMU's fw_cfg at 0x1010_0000), so a VM can carry console, disks, NICs, rng,
    /// balloon, vsock and input at once.
    /// </summary>
    public const int VirtioCount = 16;

    /// <summary>Slots QEMU's virt board has; their addresses and interrupts are QEMU's.</summary>
    public const int VirtioQemuCount = 8;

    /// <summary>PLIC source of slot 0; slot n &lt; 8 uses <see cref="VirtioFirstInterrupt"/> + n.</summary>
    public const int VirtioFirstInterrupt = 1;

    /// <summary>
    /// PLIC source of slot 8; slot n ≥ 8 uses <see cref="VirtioExtraFirstInterrupt"/> + n − 8. QEMU's virt leaves
    /// 12-31 free (UART 10, RTC 11, PCIe INTx 32-35, IOMMU 36, platform bus 64-95).
    /// </summary>
    public const int VirtioExtraFirstInterrupt = 12;

    /// <summary>PLIC source of the UART.</summary>
    public const int UartInterrupt = 10;

    /// <summary>PLIC source of the RTC.</summary>
    public const int RtcInterrupt = 11;

    /// <summary>Guest physical address of virtio-mmio slot <paramref name="slot"/>.</summary>
    public static ulong VirtioSlotAddress(int slot) => VirtioBase + ((ulong)slot * VirtioStride);

    /// <summary>PLIC source of virtio-mmio slot <paramref name="slot"/>.</summary>
    public static int VirtioSlotInterrupt(int slot) =>
        slot < VirtioQemuCount ? VirtioFirstInterrupt + slot : VirtioExtraFirstInterrupt + slot - VirtioQemuCount;

    /// <summary>Start of RAM.</summary>
    public const ulong DramBase = 0x8000_0000;
}
