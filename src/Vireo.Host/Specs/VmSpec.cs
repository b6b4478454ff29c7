using Vireo.Devices.Virtio.Balloon;
using Vireo.Devices.Virtio.Vsock;

namespace Vireo.Host.Specs;

/// <summary>
/// Everything a user can set about one VM, as plain data: no open files, no live devices. The CLI's flags, the API's
/// bodies and the daemon's database rows all become a <see cref="VmSpec"/> and go through
/// <see cref="VmSpecValidator"/>; <see cref="Building.VmBuilder"/> turns a valid one into a running machine.
/// JSON round-trips it (<see cref="VmSpecJson"/>, snake_case names).
/// </summary>
public sealed record VmSpec
{
    /// <summary>Default guest RAM: 256 MiB.</summary>
    public const ulong DefaultMemory = 256UL << 20;

    /// <summary>The VM's name: 1-63 characters of [a-z0-9-_.], starting with a letter or digit (see <see cref="VmSpecValidator"/>).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The project the VM belongs to (access control and quotas group VMs by project).</summary>
    public string Project { get; init; } = "default";

    /// <summary>Number of harts.</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>Guest RAM in bytes.</summary>
    public ulong Memory { get; init; } = DefaultMemory;

    /// <summary>Kernel (Linux Image, ELF or a raw binary); null boots the default guest's kernel (unless only firmware runs).</summary>
    public string? Kernel { get; init; }

    /// <summary>Initial RAM disk; null takes the default guest's when the default kernel boots without a root= disk.</summary>
    public string? Initrd { get; init; }

    /// <summary>Extra kernel command-line parameters, after the console ones.</summary>
    public string? Append { get; init; }

    /// <summary>M-mode firmware: null (or "builtin") serves the SBI from host code; else a file (OpenSBI, a bare-metal ELF).</summary>
    public string? Firmware { get; init; }

    /// <summary>Guest console device: "serial" (ttyS0) or "virtio" (hvc0).</summary>
    public string Console { get; init; } = "serial";

    /// <summary>Execution engine: "jit" or "interpreter".</summary>
    public string Engine { get; init; } = "jit";

    /// <summary>Disks, in order: the first is /dev/vda.</summary>
    public IReadOnlyList<VmDiskSpec> Disks { get; init; } = [];

    /// <summary>Network cards, in order: the first is eth0.</summary>
    public IReadOnlyList<VmNicSpec> Nics { get; init; } = [];

    /// <summary>Start the VM when the daemon starts, if it was meant to be running.</summary>
    public bool Autostart { get; init; }

    /// <summary>CPU weight, cap and reservation on the vCPU scheduler (API: <c>cpu.weight</c>, <c>cpu.cap</c>, <c>cpu.reservation</c>).</summary>
    public Vireo.Scheduling.CpuControls Cpu { get; init; } = Vireo.Scheduling.CpuControls.Default;

    /// <summary>What a guest reset does: reboot the VM (default) or stop it.</summary>
    public bool NoReboot { get; init; }

    /// <summary>A virtio-balloon (free page reporting, deflate-on-OOM, statistics), or null for none.</summary>
    public BalloonOptions? Balloon { get; init; }

    /// <summary>A virtio-vsock device (the guest agent's channel), or null for none.</summary>
    public VsockOptions? Vsock { get; init; }

    /// <summary>
    /// A guest-visible power button (virtio-input, KEY_POWER): a graceful stop presses it and the default guest's
    /// agent shuts down in order. On by default; off saves the device's worker thread.
    /// </summary>
    public bool PowerButton { get; init; } = true;
}
