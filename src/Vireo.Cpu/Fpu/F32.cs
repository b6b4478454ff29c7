using System.Runtime.CompilerServices;

namespace Vireo.Cpu.Fpu;

/// <summary>
/// IEEE 754-2008 binary32 arithmetic with RISC-V semantics on raw bit patterns (the F extension). NaN results are
/// always <see cref="CanonicalNaN"/>; exception flags are OR-ed into the caller's accrued flags. Round-to-nearest-even
/// operations on ordinary operands are computed in host binary64, which is wide enough that rounding the double
/// result to binary32 is correct (53 &gt;= 2*24 + 2) and that exactness can be checked exactly; every other case takes
/// the integer soft-float path.
/// </summary>
public static class F32
{
    /// <summary>The canonical quiet NaN RISC-V produces.</summary>
    public const uint CanonicalNaN = 0x7fc00000;

    // Binary32 biased exponents bounding the fast paths: results in [2^-100, 2^127) are normal with margin, so no
    // underflow or overflow decision is needed there.
    private const uint SafeLow = 27;
    private const uint SafeHigh = 0xfe;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Field(uint bits) => (bits >> 23) & 0xff;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double D(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InSafeRange(float f) => Field(BitConverter.SingleToUInt32Bits(f)) - SafeLow < SafeHigh - SafeLow;

    /// <summary>Rounds an exact (or, if <paramref name="exact"/> is false, known-inexact non-midpoint) double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(double d, float f, bool exact, ref FpFlags flags)
    {
        if (!exact || (double)f != d)
        {
            flags |= FpFlags.Inexact;
        }

        return BitConverter.SingleToUInt32Bits(f);
    }

    /// <summary>a + b.</summary>
    public static uint Add(uint a, uint b, RoundingMode rm, ref FpFlags flags)
    {
        if (rm == RoundingMode.NearestEven)
        {
            double x = D(a);
            double y = D(b);
            double s = x + y;
            float f = (float)s;
            if (InSafeRange(f))
            {
                // Binary64 addition of binary32 values is a "basic operation" for which double rounding is innocuous;
                // TwoSum tells whether the double sum itself was exact.
                double bv = s - x;
                double err = (x - (s - bv)) + (y - bv);
                return Finish(s, f, err == 0, ref flags);
            }
        }

        return (uint)SoftFloat.Add<Binary32Format>(a, b, rm, ref flags);
    }

    /// <summary>a - b.</summary>
    public static uint Sub(uint a, uint b, RoundingMode rm, ref FpFlags flags) => Add(a, b ^ 0x80000000, rm, ref flags);

    /// <summary>a * b.</summary>
    public static uint Mul(uint a, uint b, RoundingMode rm, ref FpFlags flags)
    {
        if (rm == RoundingMode.NearestEven)
        {
            double p = D(a) * D(b); // exact: 24 x 24 bits
            float f = (float)p;
            if (InSafeRange(f))
            {
                return Finish(p, f, true, ref flags);
            }
        }

        return (uint)SoftFloat.Mul<Binary32Format>(a, b, rm, ref flags);
    }

    /// <summary>a / b.</summary>
    public static uint Div(uint a, uint b, RoundingMode rm, ref FpFlags flags)
    {
        if (rm == RoundingMode.NearestEven)
        {
            double x = D(a);
            double y = D(b);
            float f = (float)(x / y);
            if (InSafeRange(f) && Field(a) != 0)
            {
                // The binary32 remainder x - f*y is exact in binary64 (f*y has 48 bits).
                bool exact = Math.FusedMultiplyAdd(-(double)f, y, x) == 0;
                if (!exact)
                {
                    flags |= FpFlags.Inexact;
                }

                return BitConverter.SingleToUInt32Bits(f);
            }
        }

        return (uint)SoftFloat.Div<Binary32Format>(a, b, rm, ref flags);
    }

    /// <summary>Square root.</summary>
    public static uint Sqrt(uint a, RoundingMode rm, ref FpFlags flags)
    {
        // Positive normal operands: the root is in range and f*f is exact in binary64.
        if (rm == RoundingMode.NearestEven && a - 0x00800000u < 0x7f000000u)
        {
            double x = D(a);
            float f = (float)Math.Sqrt(x);
            if ((double)f * f != x)
            {
                flags |= FpFlags.Inexact;
            }

            return BitConverter.SingleToUInt32Bits(f);
        }

        return (uint)SoftFloat.Sqrt<Binary32Format>(a, rm, ref flags);
    }

    /// <summary>Fused a * b + c with a single rounding.</summary>
    public static uint MulAdd(uint a, uint b, uint c, RoundingMode rm, ref FpFlags flags)
    {
        if (rm == RoundingMode.NearestEven)
        {
            double z = D(c);
            double p = D(a) * D(b); // exact
            double s = p + z;
            float f = (float)s;
            if (InSafeRange(f))
            {
                double bv = s - p;
                double err = (p - (s - bv)) + (z - bv);
                if (err == 0)
                {
                    return Finish(s, f, true, ref flags);
                }

                // s is inexact; rounding s to binary32 equals rounding the exact sum unless s is exactly a binary32
                // midpoint (then the sign of err decides), which the soft path handles.
                if ((BitConverter.DoubleToUInt64Bits(s) & 0x1fffffff) != 0x10000000)
                {
                    return Finish(s, f, false, ref flags);
                }
            }
        }

        return (uint)SoftFloat.MulAdd<Binary32Format>(a, b, c, rm, ref flags);
    }

    /// <summary>FMIN.S.</summary>
    public static uint Min(uint a, uint b, ref FpFlags flags) => (uint)SoftFloat.MinMax<Binary32Format>(a, b, false, ref flags);

    /// <summary>FMAX.S.</summary>
    public static uint Max(uint a, uint b, ref FpFlags flags) => (uint)SoftFloat.MinMax<Binary32Format>(a, b, true, ref flags);

    /// <summary>FEQ.S (quiet).</summary>
    public static bool Eq(uint a, uint b, ref FpFlags flags) => SoftFloat.Eq<Binary32Format>(a, b, ref flags);

    /// <summary>FLT.S (signalling).</summary>
    public static bool Lt(uint a, uint b, ref FpFlags flags) => SoftFloat.Lt<Binary32Format>(a, b, ref flags);

    /// <summary>FLE.S (signalling).</summary>
    public static bool Le(uint a, uint b, ref FpFlags flags) => SoftFloat.Le<Binary32Format>(a, b, ref flags);

    /// <summary>FCLASS.S.</summary>
    public static ulong Classify(uint a) => SoftFloat.Classify<Binary32Format>(a);

    /// <summary>FCVT.W.S.</summary>
    public static int ToInt32(uint a, RoundingMode rm, ref FpFlags flags) =>
        (int)(uint)SoftFloat.ToInteger<Binary32Format>(a, true, 32, rm, ref flags);

    /// <summary>FCVT.WU.S.</summary>
    public static uint ToUInt32(uint a, RoundingMode rm, ref FpFlags flags) =>
        (uint)SoftFloat.ToInteger<Binary32Format>(a, false, 32, rm, ref flags);

    /// <summary>FCVT.L.S.</summary>
    public static long ToInt64(uint a, RoundingMode rm, ref FpFlags flags) =>
        (long)SoftFloat.ToInteger<Binary32Format>(a, true, 64, rm, ref flags);

    /// <summary>FCVT.LU.S.</summary>
    public static ulong ToUInt64(uint a, RoundingMode rm, ref FpFlags flags) =>
        SoftFloat.ToInteger<Binary32Format>(a, false, 64, rm, ref flags);

    /// <summary>FCVT.S.W.</summary>
    public static uint FromInt32(int value, RoundingMode rm, ref FpFlags flags) =>
        (uint)SoftFloat.FromInteger<Binary32Format>(value < 0, value < 0 ? 0 - (ulong)(long)value : (ulong)value, rm, ref flags);

    /// <summary>FCVT.S.WU.</summary>
    public static uint FromUInt32(uint value, RoundingMode rm, ref FpFlags flags) =>
        (uint)SoftFloat.FromInteger<Binary32Format>(false, value, rm, ref flags);

    /// <summary>FCVT.S.L.</summary>
    public static uint FromInt64(long value, RoundingMode rm, ref FpFlags flags) =>
        (uint)SoftFloat.FromInteger<Binary32Format>(value < 0, value < 0 ? 0 - (ulong)value : (ulong)value, rm, ref flags);

    /// <summary>FCVT.S.LU.</summary>
    public static uint FromUInt64(ulong value, RoundingMode rm, ref FpFlags flags) =>
        (uint)SoftFloat.FromInteger<Binary32Format>(false, value, rm, ref flags);

    /// <summary>FCVT.D.S: exact; NaN becomes the binary64 canonical NaN (NV if signalling).</summary>
    public static ulong ToF64(uint a, ref FpFlags flags) =>
        SoftFloat.Convert<Binary32Format, Binary64Format>(a, RoundingMode.NearestEven, ref flags);
}
