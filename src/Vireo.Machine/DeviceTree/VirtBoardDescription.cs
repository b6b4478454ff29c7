using Vireo.Core.Timing;
using Vireo.Machine.Devices;

namespace Vireo.Machine.DeviceTree;

/// <summary>What <see cref="VirtDeviceTree"/> describes: the configurable parts of the virt board.</summary>
public sealed class VirtBoardDescription
{
    /// <summary>The ISA string of the harts Vireo's CPU implements.</summary>
    public const string DefaultIsa = "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc";

    /// <summary>Guest physical address of RAM.</summary>
    public ulong RamBase { get; init; } = VirtMemoryMap.DramBase;

    /// <summary>RAM size in bytes.</summary>
    public required ulong RamSize { get; init; }

    /// <summary>Number of harts (ids 0..n−1).</summary>
    public int HartCount { get; init; } = 1;

    /// <summary>The <c>riscv,isa</c> string; <c>riscv,isa-base</c> and <c>riscv,isa-extensions</c> derive from it.</summary>
    public string Isa { get; init; } = DefaultIsa;

    /// <summary>The <c>mmu-type</c> of each cpu node.</summary>
    public string MmuType { get; init; } = "riscv,sv57";

    /// <summary>Frequency of <c>mtime</c>/<c>time</c>.</summary>
    public uint TimebaseFrequency { get; init; } = (uint)MachineClock.Frequency;

    /// <summary>The kernel command line (<c>/chosen/bootargs</c>); omitted when null.</summary>
    public string? BootArgs { get; init; }

    /// <summary>Guest physical address of the first initrd byte; the initrd is described only when both bounds are set.</summary>
    public ulong? InitrdStart { get; init; }

    /// <summary>Guest physical address just past the initrd.</summary>
    public ulong? InitrdEnd { get; init; }

    /// <summary>The console node (<c>/chosen/stdout-path</c>); the UART when null.</summary>
    public string? StdoutPath { get; init; }

    /// <summary>Entropy for the kernel (<c>/chosen/rng-seed</c>); omitted when null.</summary>
    public byte[]? RngSeed { get; init; }
}
