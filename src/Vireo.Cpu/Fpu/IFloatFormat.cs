namespace Vireo.Cpu.Fpu;

/// <summary>
/// Shape of a binary interchange format. The soft-float core is generic over a struct implementing this, so the JIT
/// specialises it per format and every derived constant folds away.
/// </summary>
internal interface IFloatFormat
{
    /// <summary>Number of stored fraction bits (23 for binary32, 52 for binary64).</summary>
    static abstract int FracBits { get; }

    /// <summary>Number of exponent bits (8 for binary32, 11 for binary64).</summary>
    static abstract int ExpBits { get; }
}
