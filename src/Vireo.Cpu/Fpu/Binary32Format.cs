namespace Vireo.Cpu.Fpu;

/// <summary>IEEE 754 binary32 (RISC-V F).</summary>
internal readonly struct Binary32Format : IFloatFormat
{
    public static int FracBits => 23;

    public static int ExpBits => 8;
}
