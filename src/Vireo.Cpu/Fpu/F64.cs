using System.Runtime.CompilerServices;

namespace Vireo.Cpu.Fpu;

/// <summary>
/// IEEE 754-2008 binary64 arithmetic with RISC-V semantics on raw bit patterns (the D extension). NaN results are
/// always <see cref="CanonicalNaN"/>; exception flags are OR-ed into the caller's accrued flags. Round-to-nearest-even
/// operations on ordinary operands run on the host FPU, with inexactness decided by error-free transformations; every
/// other case (other rounding modes, zeros, subnormals, infinities, NaNs, results near overflow or underflow) takes the
/// integer soft-float path, which is the reference of truth.
/// </summary>
public static class F64
{
    /// <summary>The canonical quiet NaN RISC-V produces.</summary>
    public const ulong CanonicalNaN = 0x7ff8000000000000;

    // Biased exponents bounding the fast paths: at or above SafeLow no partial result or residual can be subnormal;
    // below SafeHigh no intermediate can overflow.
    private const uint SafeLow = 110;
    private const uint SafeHigh = 0x7fe;
    private const uint SafeHighFma = 0x7fd;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Field(ulong bits) => (uint)(bits >> 52) & 0x7ff;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double D(ulong bits) => BitConverter.UInt64BitsToDouble(bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bits(double value) => BitConverter.DoubleToUInt64Bits(value);

    /// <summary>a + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Add(ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
    {
        if (rm == RoundingMode.NearestEven)
        {
            double x = D(a);
            double y = D(b);
            double s = x + y;
            ulong r = Bits(s);

            // A finite sum implies finite operands. Sums never underflow (a subnormal sum is exact), and TwoSum
            // cannot overflow while every magnitude stays below 2^1023.
            if (Math.Max(Field(a), Math.Max(Field(b), Field(r))) < SafeHigh)
            {
                double bv = s - x;
                double err = (x - (s - bv)) + (y - bv);
                if (err != 0)
                {
                    flags |= FpFlags.Inexact;
                }

                return r;
            }
        }

        return SoftFloat.Add<Binary64Format>(a, b, rm, ref flags);
    }

    /// <summary>a - b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Sub(ulong a, ulong b, RoundingMode rm, ref FpFlags flags) =>
        Add(a, b ^ 0x8000000000000000, rm, ref flags);

    /// <summary>a * b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mul(ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
    {
        if (rm == RoundingMode.NearestEven)
        {
            double x = D(a);
            double y = D(b);
            double p = x * y;
            ulong r = Bits(p);

            // A normal, comfortably in-range product implies finite operands and an exactly representable error term.
            if (Field(r) - SafeLow < SafeHigh - SafeLow)
            {
                if (Math.FusedMultiplyAdd(x, y, -p) != 0)
                {
                    flags |= FpFlags.Inexact;
                }

                return r;
            }
        }

        return SoftFloat.Mul<Binary64Format>(a, b, rm, ref flags);
    }

    /// <summary>a / b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Div(ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
    {
        if (rm == RoundingMode.NearestEven)
        {
            double x = D(a);
            double y = D(b);
            double q = x / y;
            ulong r = Bits(q);

            // With a normal in-range quotient and dividend the remainder x - q*y is exactly representable.
            if (Field(r) - SafeLow < SafeHigh - SafeLow && Field(a) - SafeLow < SafeHigh - SafeLow)
            {
                if (Math.FusedMultiplyAdd(-q, y, x) != 0)
                {
                    flags |= FpFlags.Inexact;
                }

                return r;
            }
        }

        return SoftFloat.Div<Binary64Format>(a, b, rm, ref flags);
    }

    /// <summary>Square root.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Sqrt(ulong a, RoundingMode rm, ref FpFlags flags)
    {
        // Positive (sign bit clear) normal operand well above the subnormal range: residual x - r*r is exact.
        if (rm == RoundingMode.NearestEven && a - ((ulong)SafeLow << 52) < (ulong)(SafeHigh - SafeLow) << 52)
        {
            double x = D(a);
            double r = Math.Sqrt(x);
            if (Math.FusedMultiplyAdd(-r, r, x) != 0)
            {
                flags |= FpFlags.Inexact;
            }

            return Bits(r);
        }

        return SoftFloat.Sqrt<Binary64Format>(a, rm, ref flags);
    }

    /// <summary>Fused a * b + c with a single rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulAdd(ulong a, ulong b, ulong c, RoundingMode rm, ref FpFlags flags)
    {
        if (rm == RoundingMode.NearestEven)
        {
            double x = D(a);
            double y = D(b);
            double z = D(c);
            double r = Math.FusedMultiplyAdd(x, y, z);
            double u1 = x * y;

            // Normal, comfortably in-range product and result (so neither the product's error term nor the result can
            // be subnormal, and no intermediate sum can overflow); the addend just has to stay below 2^1022.
            if (Field(Bits(u1)) - SafeLow < SafeHighFma - SafeLow
                && Field(Bits(r)) - 2 < SafeHighFma - 2
                && Field(c) < SafeHighFma)
            {
                if (!MulAddIsExact(x, y, z, r, u1))
                {
                    flags |= FpFlags.Inexact;
                }

                return Bits(r);
            }
        }

        return SoftFloat.MulAdd<Binary64Format>(a, b, c, rm, ref flags);
    }

    /// <summary>
    /// Whether r = RN(x*y + z) is exact: Boldo and Muller's ErrFma ("Exact and approximated error of the FMA", IEEE
    /// TC 2011) writes x*y + z - r exactly as the unevaluated sum gamma + alpha2; with gradual underflow a rounded sum
    /// is zero only when the exact sum is, so one more addition decides exactness.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MulAddIsExact(double x, double y, double z, double r, double u1)
    {
        double u2 = Math.FusedMultiplyAdd(x, y, -u1);
        (double alpha1, double alpha2) = TwoSum(z, u2);
        (double beta1, double beta2) = TwoSum(u1, alpha1);
        double gamma = (beta1 - r) + beta2;
        return gamma + alpha2 == 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double Sum, double Error) TwoSum(double a, double b)
    {
        double s = a + b;
        double bv = s - a;
        return (s, (a - (s - bv)) + (b - bv));
    }

    /// <summary>FMIN.D.</summary>
    public static ulong Min(ulong a, ulong b, ref FpFlags flags) => SoftFloat.MinMax<Binary64Format>(a, b, false, ref flags);

    /// <summary>FMAX.D.</summary>
    public static ulong Max(ulong a, ulong b, ref FpFlags flags) => SoftFloat.MinMax<Binary64Format>(a, b, true, ref flags);

    /// <summary>FEQ.D (quiet).</summary>
    public static bool Eq(ulong a, ulong b, ref FpFlags flags) => SoftFloat.Eq<Binary64Format>(a, b, ref flags);

    /// <summary>FLT.D (signalling).</summary>
    public static bool Lt(ulong a, ulong b, ref FpFlags flags) => SoftFloat.Lt<Binary64Format>(a, b, ref flags);

    /// <summary>FLE.D (signalling).</summary>
    public static bool Le(ulong a, ulong b, ref FpFlags flags) => SoftFloat.Le<Binary64Format>(a, b, ref flags);

    /// <summary>FCLASS.D.</summary>
    public static ulong Classify(ulong a) => SoftFloat.Classify<Binary64Format>(a);

    /// <summary>FCVT.W.D.</summary>
    public static int ToInt32(ulong a, RoundingMode rm, ref FpFlags flags) =>
        (int)(uint)SoftFloat.ToInteger<Binary64Format>(a, true, 32, rm, ref flags);

    /// <summary>FCVT.WU.D.</summary>
    public static uint ToUInt32(ulong a, RoundingMode rm, ref FpFlags flags) =>
        (uint)SoftFloat.ToInteger<Binary64Format>(a, false, 32, rm, ref flags);

    /// <summary>FCVT.L.D.</summary>
    public static long ToInt64(ulong a, RoundingMode rm, ref FpFlags flags) =>
        (long)SoftFloat.ToInteger<Binary64Format>(a, true, 64, rm, ref flags);

    /// <summary>FCVT.LU.D.</summary>
    public static ulong ToUInt64(ulong a, RoundingMode rm, ref FpFlags flags) =>
        SoftFloat.ToInteger<Binary64Format>(a, false, 64, rm, ref flags);

    /// <summary>FCVT.D.W (always exact).</summary>
    public static ulong FromInt32(int value, RoundingMode rm, ref FpFlags flags) => Bits(value);

    /// <summary>FCVT.D.WU (always exact).</summary>
    public static ulong FromUInt32(uint value, RoundingMode rm, ref FpFlags flags) => Bits(value);

    /// <summary>FCVT.D.L.</summary>
    public static ulong FromInt64(long value, RoundingMode rm, ref FpFlags flags) =>
        SoftFloat.FromInteger<Binary64Format>(value < 0, value < 0 ? 0 - (ulong)value : (ulong)value, rm, ref flags);

    /// <summary>FCVT.D.LU.</summary>
    public static ulong FromUInt64(ulong value, RoundingMode rm, ref FpFlags flags) =>
        SoftFloat.FromInteger<Binary64Format>(false, value, rm, ref flags);

    /// <summary>FCVT.S.D: rounds to binary32; NaN becomes the binary32 canonical NaN (NV if signalling).</summary>
    public static uint ToF32(ulong a, RoundingMode rm, ref FpFlags flags) =>
        (uint)SoftFloat.Convert<Binary64Format, Binary32Format>(a, rm, ref flags);
}
