namespace Vireo.Cpu.Fpu;

/// <summary>IEEE 754 exception flags laid out exactly like the RISC-V <c>fflags</c> CSR.</summary>
[Flags]
public enum FpFlags : byte
{
    /// <summary>No exception.</summary>
    None = 0,

    /// <summary>NX: the rounded result differs from the exact result.</summary>
    Inexact = 1,

    /// <summary>UF: the result is tiny (detected after rounding) and inexact.</summary>
    Underflow = 2,

    /// <summary>OF: the rounded result's magnitude exceeds the largest finite number.</summary>
    Overflow = 4,

    /// <summary>DZ: a finite non-zero number was divided by zero.</summary>
    DivideByZero = 8,

    /// <summary>NV: invalid operation (signalling NaN input, 0*inf, inf-inf, 0/0, sqrt of a negative, ...).</summary>
    Invalid = 16,
}
