namespace Vireo.Machine;

/// <summary>Everything that describes one VM of the virt board. Validated by <see cref="Validate"/>.</summary>
public sealed class MachineConfig
{
    /// <summary>Smallest guest RAM accepted.</summary>
    public const ulong MinMemory = 16UL << 20;

    /// <summary>Largest guest RAM accepted.</summary>
    public const ulong MaxMemory = 64UL << 30;

    /// <summary>Most harts a VM may have (the PLIC and CLINT layouts allow more; the threads are the limit).</summary>
    public const int MaxCpus = 64;

    /// <summary>The VM's name (scheduler accounting, logs).</summary>
    public string Name { get; set; } = "vm";

    /// <summary>Guest RAM in bytes.</summary>
    public ulong MemorySize { get; set; } = 256UL << 20;

    /// <summary>Number of harts.</summary>
    public int CpuCount { get; set; } = 1;

    /// <summary>Kernel (Linux Image or ELF). Null runs only the firmware.</summary>
    public string? KernelPath { get; set; }

    /// <summary>Initial RAM disk, or null.</summary>
    public string? InitrdPath { get; set; }

    /// <summary>Kernel command line.</summary>
    public string CommandLine { get; set; } = string.Empty;

    /// <summary>M-mode firmware (OpenSBI, a bare-metal ELF). Null selects the built-in SBI.</summary>
    public string? FirmwarePath { get; set; }

    /// <summary>Where the kernel's console is: the NS16550A UART (ttyS0) or virtio-console (hvc0).</summary>
    public ConsoleDevice Console { get; set; } = ConsoleDevice.Serial;

    /// <summary>virtio devices to plug into the board's slots (disks, network cards...), in order: the first becomes vda/eth0.</summary>
    public List<Vireo.Devices.Virtio.VirtioDevice> ExtraDevices { get; } = [];

    /// <summary>A virtio-balloon to plug in after <see cref="ExtraDevices"/>, or null for none.</summary>
    public Vireo.Devices.Virtio.Balloon.BalloonOptions? Balloon { get; set; }

    /// <summary>The VM's CPU weight, cap and reservation, used when it runs on a <see cref="Scheduling.VcpuPool"/>.</summary>
    public Scheduling.CpuControls Cpu { get; set; } = Scheduling.CpuControls.Default;

    /// <summary>When true a guest reset ends the run instead of rebooting.</summary>
    public bool NoReboot { get; set; }

    /// <summary>Checks ranges and files; throws <see cref="ArgumentException"/> with a one-line message.</summary>
    public void Validate()
    {
        if (MemorySize < MinMemory || MemorySize > MaxMemory)
        {
            throw new ArgumentException($"memory must be between 16M and 64G (got {MemorySize} bytes)");
        }

        if ((MemorySize & 0xfff) != 0)
        {
            throw new ArgumentException("memory must be a multiple of 4K");
        }

        if (CpuCount < 1 || CpuCount > MaxCpus)
        {
            throw new ArgumentException($"cpus must be between 1 and {MaxCpus} (got {CpuCount})");
        }

        if (Cpu.Check(CpuCount) is string badControls)
        {
            throw new ArgumentException(badControls);
        }

        if (KernelPath is null && FirmwarePath is null)
        {
            throw new ArgumentException("nothing to boot: give a kernel or firmware");
        }

        foreach (string? path in new[] { KernelPath, InitrdPath, FirmwarePath })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new ArgumentException($"{path}: no such file");
            }
        }
    }
}
