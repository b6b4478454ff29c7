using System.Numerics;

namespace Vireo.Cpu.Tests.Fpu.Reference;

/// <summary>A binary interchange format described by its parameters, for the BigInteger reference model.</summary>
public sealed class RefFormat
{
    public static readonly RefFormat Binary32 = new(24, 8);
    public static readonly RefFormat Binary64 = new(53, 11);

    private RefFormat(int precision, int exponentBits)
    {
        Precision = precision;
        ExponentBits = exponentBits;
        Width = precision + exponentBits;
        Bias = (1 << (exponentBits - 1)) - 1;
    }

    /// <summary>Significand bits including the hidden bit.</summary>
    public int Precision { get; }

    public int ExponentBits { get; }

    public int Width { get; }

    public int Bias { get; }

    public int Emin => 1 - Bias;

    public int Emax => Bias;

    public int FracBits => Precision - 1;

    public ulong SignMask => 1UL << (Width - 1);

    public ulong FracMask => (1UL << FracBits) - 1;

    public int MaxField => (1 << ExponentBits) - 1;

    public ulong PositiveInfinity => (ulong)MaxField << FracBits;

    public ulong CanonicalNaN => PositiveInfinity | (1UL << (FracBits - 1));

    public ulong MaxFinite => PositiveInfinity - 1;

    public int Field(ulong raw) => (int)(raw >> FracBits) & MaxField;

    public bool IsNaN(ulong raw) => Field(raw) == MaxField && (raw & FracMask) != 0;

    public bool IsSignaling(ulong raw) => IsNaN(raw) && (raw & (1UL << (FracBits - 1))) == 0;

    public bool IsInfinity(ulong raw) => Field(raw) == MaxField && (raw & FracMask) == 0;

    public bool IsZero(ulong raw) => (raw & ~SignMask) == 0;

    public bool Sign(ulong raw) => (raw & SignMask) != 0;

    /// <summary>Exact value of a finite number as a signed integer times a power of two.</summary>
    public (BigInteger Mantissa, int Exponent) Exact(ulong raw)
    {
        int field = Field(raw);
        BigInteger m = raw & FracMask;
        int e;
        if (field == 0)
        {
            e = Emin - FracBits;
        }
        else
        {
            m += BigInteger.One << FracBits;
            e = field - Bias - FracBits;
        }

        return (Sign(raw) ? -m : m, e);
    }
}
