namespace Vireo.Core.Interrupts;

/// <summary>Bit masks of the RISC-V <c>mip</c>/<c>mie</c> registers.</summary>
public static class MipBits
{
    public const ulong Ssip = 1UL << 1;
    public const ulong Msip = 1UL << 3;
    public const ulong Stip = 1UL << 5;
    public const ulong Mtip = 1UL << 7;
    public const ulong Seip = 1UL << 9;
    public const ulong Meip = 1UL << 11;
}
