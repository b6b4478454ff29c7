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

    /// <summary>Number of virtio-mmio slots.</summary>
    public const int VirtioCount = 8;

    /// <summary>PLIC source of slot 0; slot n uses <see cref="VirtioFirstInterrupt"/> + n.</summary>
    public const int VirtioFirstInterrupt = 1;

    /// <summary>PLIC source of the UART.</summary>
    public const int UartInterrupt = 10;

    /// <summary>PLIC source of the RTC.</summary>
    public const int RtcInterrupt = 11;

    /// <summary>Start of RAM.</summary>
    public const ulong DramBase = 0x8000_0000;
}
