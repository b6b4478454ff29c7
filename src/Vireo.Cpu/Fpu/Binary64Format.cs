namespace Vireo.Cpu.Fpu;

/// <summary>IEEE 754 binary64 (RISC-V D).</summary>
internal readonly struct Binary64Format : IFloatFormat
{
    public static int FracBits => 52;

    public static int ExpBits => 11;
}
