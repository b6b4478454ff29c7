using System.Numerics;
using Vireo.Cpu.Fpu;

namespace Vireo.Cpu.Tests.Fpu.Reference;

/// <summary>
/// A deliberately simple and slow model of RISC-V floating point: every operation computes its exact result as a
/// BigInteger rational and rounds it by long division, deriving the flags from the definitions in IEEE 754-2008 and the
/// RISC-V spec. It shares no code or algorithm with the production soft float (which aligns and jams fixed-width
/// integers), so agreement between the two is meaningful.
/// </summary>
public static class ReferenceFpu
{
    public static ulong Add(RefFormat f, ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
    {
        if (f.IsNaN(a) || f.IsNaN(b))
        {
            return NaN(f, ref flags, a, b);
        }

        if (f.IsInfinity(a) && f.IsInfinity(b) && f.Sign(a) != f.Sign(b))
        {
            flags |= FpFlags.Invalid;
            return f.CanonicalNaN;
        }

        if (f.IsInfinity(a))
        {
            return a;
        }

        if (f.IsInfinity(b))
        {
            return b;
        }

        Rational sum = Value(f, a) + Value(f, b);
        if (sum.Sign == 0)
        {
            // IEEE 754 6.3: x + x keeps the sign of x for zeros; any other exact zero sum is +0, or -0 when rounding
            // toward negative.
            if (f.IsZero(a) && f.IsZero(b) && f.Sign(a) == f.Sign(b))
            {
                return a;
            }

            return rm == RoundingMode.Down ? f.SignMask : 0;
        }

        return Round(f, sum, rm, ref flags);
    }

    public static ulong Mul(RefFormat f, ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
    {
        if (f.IsNaN(a) || f.IsNaN(b))
        {
            return NaN(f, ref flags, a, b);
        }

        bool sign = f.Sign(a) ^ f.Sign(b);
        if (f.IsInfinity(a) || f.IsInfinity(b))
        {
            if (f.IsZero(a) || f.IsZero(b))
            {
                flags |= FpFlags.Invalid;
                return f.CanonicalNaN;
            }

            return f.PositiveInfinity | (sign ? f.SignMask : 0);
        }

        Rational product = Value(f, a) * Value(f, b);
        return product.Sign == 0 ? (sign ? f.SignMask : 0) : Round(f, product, rm, ref flags);
    }

    public static ulong Div(RefFormat f, ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
    {
        if (f.IsNaN(a) || f.IsNaN(b))
        {
            return NaN(f, ref flags, a, b);
        }

        bool sign = f.Sign(a) ^ f.Sign(b);
        ulong signBit = sign ? f.SignMask : 0;
        if ((f.IsInfinity(a) && f.IsInfinity(b)) || (f.IsZero(a) && f.IsZero(b)))
        {
            flags |= FpFlags.Invalid;
            return f.CanonicalNaN;
        }

        if (f.IsInfinity(a))
        {
            return f.PositiveInfinity | signBit;
        }

        if (f.IsInfinity(b) || f.IsZero(a))
        {
            return signBit;
        }

        if (f.IsZero(b))
        {
            flags |= FpFlags.DivideByZero;
            return f.PositiveInfinity | signBit;
        }

        return Round(f, Value(f, a) / Value(f, b), rm, ref flags);
    }

    public static ulong Sqrt(RefFormat f, ulong a, RoundingMode rm, ref FpFlags flags)
    {
        if (f.IsNaN(a))
        {
            return NaN(f, ref flags, a, a);
        }

        if (f.IsZero(a))
        {
            return a;
        }

        if (f.Sign(a))
        {
            flags |= FpFlags.Invalid;
            return f.CanonicalNaN;
        }

        if (f.IsInfinity(a))
        {
            return a;
        }

        // sqrt(m * 2^e) to 1200 fractional bits: R = floor(sqrt(m * 2^(e + 2400))). Every rounding boundary of either
        // format is a multiple of 2^-1200, so when R is not exact any point of (R, R+1) * 2^-1200 rounds like the
        // true root; (2R + 1) * 2^-1201 is such a point.
        (BigInteger m, int e) = f.Exact(a);
        const int Frac = 1200;
        BigInteger radicand = m << (e + (2 * Frac));
        BigInteger root = ISqrt(radicand);
        Rational value = root * root == radicand
            ? Rational.FromDyadic(root, -Frac)
            : Rational.FromDyadic((2 * root) + 1, -Frac - 1);
        return Round(f, value, rm, ref flags);
    }

    public static ulong MulAdd(RefFormat f, ulong a, ulong b, ulong c, RoundingMode rm, ref FpFlags flags)
    {
        bool infTimesZero = (f.IsInfinity(a) && f.IsZero(b)) || (f.IsZero(a) && f.IsInfinity(b));
        if (infTimesZero)
        {
            flags |= FpFlags.Invalid;
            return f.CanonicalNaN;
        }

        if (f.IsNaN(a) || f.IsNaN(b) || f.IsNaN(c))
        {
            if (f.IsSignaling(c))
            {
                flags |= FpFlags.Invalid;
            }

            return NaN(f, ref flags, a, b);
        }

        bool productSign = f.Sign(a) ^ f.Sign(b);
        bool productInfinite = f.IsInfinity(a) || f.IsInfinity(b);
        if (productInfinite && f.IsInfinity(c) && productSign != f.Sign(c))
        {
            flags |= FpFlags.Invalid;
            return f.CanonicalNaN;
        }

        if (productInfinite)
        {
            return f.PositiveInfinity | (productSign ? f.SignMask : 0);
        }

        if (f.IsInfinity(c))
        {
            return c;
        }

        Rational value = (Value(f, a) * Value(f, b)) + Value(f, c);
        if (value.Sign == 0)
        {
            bool productZero = f.IsZero(a) || f.IsZero(b);
            if (productZero && f.IsZero(c) && productSign == f.Sign(c))
            {
                return c;
            }

            return rm == RoundingMode.Down ? f.SignMask : 0;
        }

        return Round(f, value, rm, ref flags);
    }

    public static ulong MinMax(RefFormat f, ulong a, ulong b, bool max, ref FpFlags flags)
    {
        if (f.IsSignaling(a) || f.IsSignaling(b))
        {
            flags |= FpFlags.Invalid;
        }

        if (f.IsNaN(a) && f.IsNaN(b))
        {
            return f.CanonicalNaN;
        }

        if (f.IsNaN(a))
        {
            return b;
        }

        if (f.IsNaN(b))
        {
            return a;
        }

        int cmp = CompareOrdered(f, a, b);
        if (cmp == 0 && f.IsZero(a))
        {
            // -0 is treated as less than +0.
            bool aNegative = f.Sign(a);
            return max ? (aNegative ? b : a) : (aNegative ? a : b);
        }

        return max ? (cmp >= 0 ? a : b) : (cmp <= 0 ? a : b);
    }

    /// <summary>FEQ (quiet, 0), FLT (1) or FLE (2).</summary>
    public static bool Compare(RefFormat f, ulong a, ulong b, int kind, ref FpFlags flags)
    {
        if (f.IsNaN(a) || f.IsNaN(b))
        {
            if (kind != 0 || f.IsSignaling(a) || f.IsSignaling(b))
            {
                flags |= FpFlags.Invalid;
            }

            return false;
        }

        int cmp = CompareOrdered(f, a, b);
        return kind switch
        {
            0 => cmp == 0,
            1 => cmp < 0,
            _ => cmp <= 0,
        };
    }

    /// <summary>Numeric comparison of two non-NaN values (so -0 == +0).</summary>
    private static int CompareOrdered(RefFormat f, ulong a, ulong b)
    {
        int Rank(ulong x) => f.IsInfinity(x) ? (f.Sign(x) ? -1 : 1) : 0;
        int ra = Rank(a);
        int rb = Rank(b);
        if (ra != 0 || rb != 0)
        {
            return ra.CompareTo(rb);
        }

        return Rational.Compare(Value(f, a), Value(f, b));
    }

    public static ulong Classify(RefFormat f, ulong a)
    {
        bool negative = f.Sign(a);
        int index;
        if (f.IsNaN(a))
        {
            index = f.IsSignaling(a) ? 8 : 9;
        }
        else if (f.IsInfinity(a))
        {
            index = negative ? 0 : 7;
        }
        else if (f.IsZero(a))
        {
            index = negative ? 3 : 4;
        }
        else if (f.Field(a) == 0)
        {
            index = negative ? 2 : 5;
        }
        else
        {
            index = negative ? 1 : 6;
        }

        return 1UL << index;
    }

    /// <summary>FCVT to an integer of <paramref name="bits"/> bits; returns the value as a BigInteger.</summary>
    public static BigInteger ToInteger(RefFormat f, ulong a, bool signed, int bits, RoundingMode rm, ref FpFlags flags)
    {
        BigInteger max = signed ? (BigInteger.One << (bits - 1)) - 1 : (BigInteger.One << bits) - 1;
        BigInteger min = signed ? -(BigInteger.One << (bits - 1)) : BigInteger.Zero;
        if (f.IsNaN(a))
        {
            flags |= FpFlags.Invalid;
            return max;
        }

        if (f.IsInfinity(a))
        {
            flags |= FpFlags.Invalid;
            return f.Sign(a) ? min : max;
        }

        Rational v = Value(f, a);
        bool negative = v.Sign < 0;
        (BigInteger m, bool inexact) = RoundToInteger(BigInteger.Abs(v.Num), v.Den, v.Exp2, negative, rm);
        BigInteger result = negative ? -m : m;
        if (result > max || result < min)
        {
            flags |= FpFlags.Invalid;
            return negative ? min : max;
        }

        if (inexact)
        {
            flags |= FpFlags.Inexact;
        }

        return result;
    }

    public static ulong FromInteger(RefFormat f, BigInteger value, RoundingMode rm, ref FpFlags flags) =>
        value.IsZero ? 0 : Round(f, Rational.FromDyadic(value, 0), rm, ref flags);

    public static ulong Convert(RefFormat from, RefFormat to, ulong a, RoundingMode rm, ref FpFlags flags)
    {
        if (from.IsNaN(a))
        {
            if (from.IsSignaling(a))
            {
                flags |= FpFlags.Invalid;
            }

            return to.CanonicalNaN;
        }

        ulong sign = from.Sign(a) ? to.SignMask : 0;
        if (from.IsInfinity(a))
        {
            return to.PositiveInfinity | sign;
        }

        if (from.IsZero(a))
        {
            return sign;
        }

        return Round(to, Value(from, a), rm, ref flags);
    }

    /// <summary>Exact value of a finite operand.</summary>
    public static Rational Value(RefFormat f, ulong raw)
    {
        (BigInteger m, int e) = f.Exact(raw);
        return Rational.FromDyadic(m, e);
    }

    private static ulong NaN(RefFormat f, ref FpFlags flags, ulong a, ulong b)
    {
        if (f.IsSignaling(a) || f.IsSignaling(b))
        {
            flags |= FpFlags.Invalid;
        }

        return f.CanonicalNaN;
    }

    /// <summary>Rounds a non-zero exact value to the format, with IEEE flags (tininess after rounding).</summary>
    public static ulong Round(RefFormat f, Rational value, RoundingMode rm, ref FpFlags flags)
    {
        bool negative = value.Sign < 0;
        BigInteger num = BigInteger.Abs(value.Num);
        BigInteger den = value.Den;
        int p = f.Precision;

        // E = floor(log2(|value|)).
        int e = (int)(num.GetBitLength() - den.GetBitLength());
        bool below = e >= 0 ? num < den << e : num << -e < den;
        if (below)
        {
            e--;
        }

        e += value.Exp2;

        // Tiny: the value rounded to p bits with an unbounded exponent range is below 2^emin.
        int q0 = e - (p - 1);
        (BigInteger m0, _) = RoundToInteger(num, den, value.Exp2 - q0, negative, rm);
        bool tiny = e < f.Emin && m0 < BigInteger.One << (f.Emin - q0);

        int q = Math.Max(e, f.Emin) - (p - 1);
        (BigInteger m, bool inexact) = RoundToInteger(num, den, value.Exp2 - q, negative, rm);
        if (inexact)
        {
            flags |= FpFlags.Inexact;
            if (tiny)
            {
                flags |= FpFlags.Underflow;
            }
        }

        ulong sign = negative ? f.SignMask : 0;
        if (m.IsZero)
        {
            return sign;
        }

        if (m == BigInteger.One << p)
        {
            m >>= 1;
            q++;
        }

        if (q + (int)m.GetBitLength() - 1 > f.Emax)
        {
            flags |= FpFlags.Overflow | FpFlags.Inexact;
            bool toInfinity = rm switch
            {
                RoundingMode.TowardZero => false,
                RoundingMode.Down => negative,
                RoundingMode.Up => !negative,
                _ => true,
            };
            return sign | (toInfinity ? f.PositiveInfinity : f.MaxFinite);
        }

        if (m.GetBitLength() == p)
        {
            ulong field = (ulong)(q + p - 1 + f.Bias);
            return sign | (field << f.FracBits) | ((ulong)m & f.FracMask);
        }

        // Subnormal: q is emin - (p - 1), the field is zero.
        return sign | (ulong)m;
    }

    /// <summary>Rounds num/den * 2^shift to an integer in mode <paramref name="rm"/> for a value of the given sign.</summary>
    private static (BigInteger Value, bool Inexact) RoundToInteger(BigInteger num, BigInteger den, int shift, bool negative, RoundingMode rm)
    {
        BigInteger n = shift >= 0 ? num << shift : num;
        BigInteger d = shift >= 0 ? den : den << -shift;
        BigInteger quotient = BigInteger.DivRem(n, d, out BigInteger remainder);
        if (remainder.IsZero)
        {
            return (quotient, false);
        }

        int half = (remainder * 2).CompareTo(d);
        bool up = rm switch
        {
            RoundingMode.NearestEven => half > 0 || (half == 0 && !quotient.IsEven),
            RoundingMode.NearestMaxMagnitude => half >= 0,
            RoundingMode.Down => negative,
            RoundingMode.Up => !negative,
            _ => false,
        };
        return (up ? quotient + 1 : quotient, true);
    }

    private static BigInteger ISqrt(BigInteger n)
    {
        if (n.IsZero)
        {
            return n;
        }

        // Newton's iteration from above converges monotonically to floor(sqrt(n)).
        BigInteger x = BigInteger.One << (int)((n.GetBitLength() / 2) + 1);
        while (true)
        {
            BigInteger y = (x + (n / x)) >> 1;
            if (y >= x)
            {
                return x;
            }

            x = y;
        }
    }
}
