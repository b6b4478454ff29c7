using Vireo.Devices.Uart;
using Vireo.Machine.Devices;

namespace Vireo.Machine.DeviceTree;

/// <summary>
/// Builds the device tree of the virt board with the nodes, compatible strings and property values of QEMU's riscv64
/// <c>virt</c> machine, so firmware and kernels that boot there boot here.
/// </summary>
public static class VirtDeviceTree
{
    /// <summary>Path of the UART node, the default console.</summary>
    public const string UartPath = "/soc/serial@10000000";

    /// <summary>Most harts a tree can describe (PLIC contexts and CLINT registers allow far more; Linux rarely does).</summary>
    public const int MaxHarts = 512;

    private const uint CpuIntcMachineSoftware = 3;
    private const uint CpuIntcMachineTimer = 7;
    private const uint CpuIntcSupervisorExternal = 9;
    private const uint CpuIntcMachineExternal = 11;

    /// <summary>Builds the DTB.</summary>
    /// <exception cref="ArgumentException">The description is inconsistent (no harts, empty RAM, bad initrd range).</exception>
    public static byte[] Build(VirtBoardDescription board)
    {
        ArgumentNullException.ThrowIfNull(board);
        Validate(board);

        // Phandles: cpu n = 1 + 2n, its interrupt controller = 2 + 2n, then the PLIC and the test device.
        int harts = board.HartCount;
        uint plicPhandle = (uint)(2 * harts) + 1;
        uint testPhandle = plicPhandle + 1;

        var fdt = new FdtWriter();
        fdt.BeginNode("");
        fdt.PropertyU32("#address-cells", 2);
        fdt.PropertyU32("#size-cells", 2);
        fdt.PropertyString("compatible", "riscv-virtio");
        fdt.PropertyString("model", "riscv-virtio,qemu");

        WritePowerNodes(fdt, testPhandle);
        WriteChosen(fdt, board);
        WriteAliases(fdt);
        WriteMemory(fdt, board);
        WriteCpus(fdt, board);
        WriteSoc(fdt, harts, plicPhandle, testPhandle);

        fdt.EndNode();
        return fdt.Finish();
    }

    /// <summary>
    /// Where QEMU puts the initrd: halfway into RAM below 256 MiB, else 128 MiB in, so the decompressed kernel does not
    /// overwrite it and it stays in low memory. Returns the guest physical start address.
    /// </summary>
    public static ulong DefaultInitrdStart(ulong ramBase, ulong ramSize) =>
        ramBase + (ramSize < 256UL << 20 ? ramSize / 2 : 128UL << 20);

    /// <summary>The single-letter and multi-letter extensions of an ISA string, in order ("rv64imac_zba" → i, m, a, c, zba).</summary>
    public static IReadOnlyList<string> IsaExtensions(string isa)
    {
        ArgumentNullException.ThrowIfNull(isa);
        string lower = isa.ToLowerInvariant();
        if (!lower.StartsWith("rv32", StringComparison.Ordinal) && !lower.StartsWith("rv64", StringComparison.Ordinal))
        {
            throw new ArgumentException($"ISA string '{isa}' must start with rv32 or rv64.", nameof(isa));
        }

        var extensions = new List<string>();
        string[] parts = lower[4..].Split('_', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0].Length == 0 || (parts[0][0] != 'i' && parts[0][0] != 'g'))
        {
            throw new ArgumentException($"ISA string '{isa}' has no base (i or g).", nameof(isa));
        }

        foreach (char letter in parts[0])
        {
            if (letter == 'g')
            {
                // G is shorthand for IMAFD plus Zicsr and Zifencei.
                AddOnce(extensions, "i", "m", "a", "f", "d", "zicsr", "zifencei");
            }
            else if (letter is >= 'a' and <= 'z')
            {
                AddOnce(extensions, letter.ToString());
            }
            else
            {
                throw new ArgumentException($"ISA string '{isa}' has an invalid letter '{letter}'.", nameof(isa));
            }
        }

        for (int i = 1; i < parts.Length; i++)
        {
            AddOnce(extensions, parts[i]);
        }

        return extensions;
    }

    private static void AddOnce(List<string> list, params ReadOnlySpan<string> items)
    {
        foreach (string item in items)
        {
            if (!list.Contains(item))
            {
                list.Add(item);
            }
        }
    }

    private static void Validate(VirtBoardDescription board)
    {
        if (board.HartCount is < 1 or > MaxHarts)
        {
            throw new ArgumentException($"The board needs 1 to {MaxHarts} harts, not {board.HartCount}.", nameof(board));
        }

        if (board.RamSize == 0 || board.RamBase + board.RamSize < board.RamBase)
        {
            throw new ArgumentException("RAM must be non-empty and inside the address space.", nameof(board));
        }

        if (board.InitrdStart is { } start && board.InitrdEnd is { } end && end < start)
        {
            throw new ArgumentException("The initrd ends before it starts.", nameof(board));
        }

        _ = IsaExtensions(board.Isa);
    }

    private static void WritePowerNodes(FdtWriter fdt, uint testPhandle)
    {
        // Linux powers off and reboots through these syscon nodes, which write the test device's magic values.
        fdt.BeginNode("poweroff");
        fdt.PropertyU32("value", 0x5555);
        fdt.PropertyU32("offset", 0);
        fdt.PropertyU32("regmap", testPhandle);
        fdt.PropertyString("compatible", "syscon-poweroff");
        fdt.EndNode();

        fdt.BeginNode("reboot");
        fdt.PropertyU32("value", 0x7777);
        fdt.PropertyU32("offset", 0);
        fdt.PropertyU32("regmap", testPhandle);
        fdt.PropertyString("compatible", "syscon-reboot");
        fdt.EndNode();
    }

    private static void WriteChosen(FdtWriter fdt, VirtBoardDescription board)
    {
        fdt.BeginNode("chosen");
        if (board.BootArgs is not null)
        {
            fdt.PropertyString("bootargs", board.BootArgs);
        }

        fdt.PropertyString("stdout-path", board.StdoutPath ?? UartPath);
        if (board.InitrdStart is { } start && board.InitrdEnd is { } end)
        {
            fdt.PropertyU64("linux,initrd-start", start);
            fdt.PropertyU64("linux,initrd-end", end);
        }

        if (board.RngSeed is { Length: > 0 } seed)
        {
            fdt.Property("rng-seed", seed);
        }

        fdt.EndNode();
    }

    private static void WriteAliases(FdtWriter fdt)
    {
        fdt.BeginNode("aliases");
        fdt.PropertyString("serial0", UartPath);
        fdt.EndNode();
    }

    private static void WriteMemory(FdtWriter fdt, VirtBoardDescription board)
    {
        fdt.BeginNode($"memory@{board.RamBase:x}");
        fdt.PropertyString("device_type", "memory");
        WriteReg(fdt, board.RamBase, board.RamSize);
        fdt.EndNode();
    }

    private static void WriteCpus(FdtWriter fdt, VirtBoardDescription board)
    {
        string isa = board.Isa.ToLowerInvariant();
        string isaBase = isa[..4] + "i";
        string[] extensions = [.. IsaExtensions(isa)];

        fdt.BeginNode("cpus");
        fdt.PropertyU32("#address-cells", 1);
        fdt.PropertyU32("#size-cells", 0);
        fdt.PropertyU32("timebase-frequency", board.TimebaseFrequency);

        for (int hart = 0; hart < board.HartCount; hart++)
        {
            fdt.BeginNode($"cpu@{hart:x}");
            fdt.PropertyU32("phandle", CpuPhandle(hart));
            fdt.PropertyString("device_type", "cpu");
            fdt.PropertyU32("reg", (uint)hart);
            fdt.PropertyString("status", "okay");
            fdt.PropertyString("compatible", "riscv");
            fdt.PropertyString("riscv,isa", isa);
            fdt.PropertyString("riscv,isa-base", isaBase);
            fdt.PropertyStrings("riscv,isa-extensions", extensions);
            fdt.PropertyString("mmu-type", board.MmuType);

            fdt.BeginNode("interrupt-controller");
            fdt.PropertyU32("#address-cells", 0); // dtc's interrupt_provider check wants it; the binding allows 0
            fdt.PropertyU32("#interrupt-cells", 1);
            fdt.PropertyEmpty("interrupt-controller");
            fdt.PropertyString("compatible", "riscv,cpu-intc");
            fdt.PropertyU32("phandle", IntcPhandle(hart));
            fdt.EndNode();

            fdt.EndNode();
        }

        fdt.BeginNode("cpu-map");
        fdt.BeginNode("cluster0");
        for (int hart = 0; hart < board.HartCount; hart++)
        {
            fdt.BeginNode($"core{hart}");
            fdt.PropertyU32("cpu", CpuPhandle(hart));
            fdt.EndNode();
        }

        fdt.EndNode();
        fdt.EndNode();

        fdt.EndNode();
    }

    private static void WriteSoc(FdtWriter fdt, int harts, uint plicPhandle, uint testPhandle)
    {
        fdt.BeginNode("soc");
        fdt.PropertyU32("#address-cells", 2);
        fdt.PropertyU32("#size-cells", 2);
        fdt.PropertyString("compatible", "simple-bus");
        fdt.PropertyEmpty("ranges");

        fdt.BeginNode($"test@{VirtMemoryMap.Test:x}");
        fdt.PropertyU32("phandle", testPhandle);
        WriteReg(fdt, VirtMemoryMap.Test, 0x1000);
        fdt.PropertyStrings("compatible", "sifive,test1", "sifive,test0", "syscon");
        fdt.EndNode();

        fdt.BeginNode($"rtc@{VirtMemoryMap.Rtc:x}");
        fdt.PropertyU32("interrupts", VirtMemoryMap.RtcInterrupt);
        fdt.PropertyU32("interrupt-parent", plicPhandle);
        WriteReg(fdt, VirtMemoryMap.Rtc, 0x1000);
        fdt.PropertyString("compatible", "google,goldfish-rtc");
        fdt.EndNode();

        var cells = new uint[harts * 4];
        for (int hart = 0; hart < harts; hart++)
        {
            cells[(hart * 4) + 0] = IntcPhandle(hart);
            cells[(hart * 4) + 1] = CpuIntcMachineSoftware;
            cells[(hart * 4) + 2] = IntcPhandle(hart);
            cells[(hart * 4) + 3] = CpuIntcMachineTimer;
        }

        fdt.BeginNode($"clint@{VirtMemoryMap.Clint:x}");
        fdt.PropertyCells("interrupts-extended", cells);
        WriteReg(fdt, VirtMemoryMap.Clint, Clint.WindowSize);
        fdt.PropertyStrings("compatible", "sifive,clint0", "riscv,clint0");
        fdt.EndNode();

        // Context 2h is hart h's M-mode (MEIP), 2h+1 its S-mode (SEIP): the order of interrupts-extended defines it.
        for (int hart = 0; hart < harts; hart++)
        {
            cells[(hart * 4) + 1] = CpuIntcMachineExternal;
            cells[(hart * 4) + 3] = CpuIntcSupervisorExternal;
        }

        fdt.BeginNode($"plic@{VirtMemoryMap.Plic:x}");
        fdt.PropertyU32("phandle", plicPhandle);
        fdt.PropertyU32("riscv,ndev", Plic.DefaultSourceCount - 1);
        WriteReg(fdt, VirtMemoryMap.Plic, VirtMemoryMap.PlicDeviceTreeSize);
        fdt.PropertyCells("interrupts-extended", cells);
        fdt.PropertyEmpty("interrupt-controller");
        fdt.PropertyStrings("compatible", "sifive,plic-1.0.0", "riscv,plic0");
        fdt.PropertyU32("#address-cells", 0);
        fdt.PropertyU32("#interrupt-cells", 1);
        fdt.EndNode();

        fdt.BeginNode($"serial@{VirtMemoryMap.Uart:x}");
        fdt.PropertyU32("interrupts", VirtMemoryMap.UartInterrupt);
        fdt.PropertyU32("interrupt-parent", plicPhandle);
        fdt.PropertyU32("clock-frequency", Ns16550a.ClockFrequency);
        WriteReg(fdt, VirtMemoryMap.Uart, Ns16550a.WindowSize);
        fdt.PropertyString("compatible", "ns16550a");
        fdt.EndNode();

        // Descending order, as QEMU emits them: Linux probes in tree order, so the highest slot becomes the first device.
        for (int slot = VirtMemoryMap.VirtioCount - 1; slot >= 0; slot--)
        {
            ulong address = VirtMemoryMap.VirtioSlotAddress(slot);
            fdt.BeginNode($"virtio_mmio@{address:x}");
            fdt.PropertyU32("interrupts", (uint)VirtMemoryMap.VirtioSlotInterrupt(slot));
            fdt.PropertyU32("interrupt-parent", plicPhandle);
            WriteReg(fdt, address, VirtMemoryMap.VirtioStride);
            fdt.PropertyString("compatible", "virtio,mmio");
            fdt.EndNode();
        }

        fdt.EndNode();
    }

    private static uint CpuPhandle(int hart) => (uint)(1 + (2 * hart));

    private static uint IntcPhandle(int hart) => (uint)(2 + (2 * hart));

    private static void WriteReg(FdtWriter fdt, ulong address, ulong size) =>
        fdt.PropertyCells("reg", (uint)(address >> 32), (uint)address, (uint)(size >> 32), (uint)size);
}
