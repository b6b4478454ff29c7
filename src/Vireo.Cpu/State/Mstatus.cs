namespace Vireo.Cpu.State;

/// <summary>Bits of mstatus (and its sstatus view).</summary>
internal static class Mstatus
{
    public const ulong Sie = 1UL << 1;
    public const ulong Mie = 1UL << 3;
    public const ulong Spie = 1UL << 5;
    public const ulong Mpie = 1UL << 7;
    public const ulong Spp = 1UL << 8;
    public const int MppShift = 11;
    public const ulong Mpp = 3UL << MppShift;
    public const int FsShift = 13;
    public const ulong Fs = 3UL << FsShift;
    public const ulong FsDirty = 3UL << FsShift;
    public const ulong Xs = 3UL << 15;
    public const ulong Mprv = 1UL << 17;
    public const ulong Sum = 1UL << 18;
    public const ulong Mxr = 1UL << 19;
    public const ulong Tvm = 1UL << 20;
    public const ulong Tw = 1UL << 21;
    public const ulong Tsr = 1UL << 22;
    public const ulong Uxl = 3UL << 32;
    public const ulong Sxl = 3UL << 34;
    public const ulong Sd = 1UL << 63;

    /// <summary>UXL = SXL = 2 (64-bit), read-only.</summary>
    public const ulong XlenBits = (2UL << 32) | (2UL << 34);

    public const ulong MachineWritable = Sie | Mie | Spie | Mpie | Spp | Mpp | Fs | Mprv | Sum | Mxr | Tvm | Tw | Tsr;
    public const ulong SupervisorWritable = Sie | Spie | Spp | Fs | Sum | Mxr;
    public const ulong SupervisorReadable = SupervisorWritable | Xs | Uxl | Sd;
}
