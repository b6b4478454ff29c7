namespace Vireo.Cpu.Fpu;

/// <summary>Add, multiply, divide, square root and fused multiply-add.</summary>
internal static partial class SoftFloat
{
    internal static ulong Add<TF>(ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (IsNaN<TF>(a) || IsNaN<TF>(b))
        {
            return PropagateNaN<TF>(a, b, ref flags);
        }

        bool sa = Sign<TF>(a);
        bool sb = Sign<TF>(b);
        if (IsInfinity<TF>(a))
        {
            if (IsInfinity<TF>(b) && sa != sb)
            {
                flags |= FpFlags.Invalid;
                return CanonicalNaN<TF>();
            }

            return a;
        }

        if (IsInfinity<TF>(b))
        {
            return b;
        }

        if (IsZero<TF>(a))
        {
            return IsZero<TF>(b) ? Zero<TF>(sa == sb ? sa : rm == RoundingMode.Down) : b;
        }

        if (IsZero<TF>(b))
        {
            return a;
        }

        ulong x = Unpack<TF>(a, out int ex);
        ulong y = Unpack<TF>(b, out int ey);
        return AddCore<TF>(sa, ex, x, sb, ey, y, rm, ref flags);
    }

    /// <summary>
    /// Rounds (-1)^sx*x*2^ex + (-1)^sy*y*2^ey for non-zero significands of at most 106 bits. The operand with the
    /// higher leading bit is placed with its leading bit at bit 125; the other is aligned to it, jammed if bits fall off
    /// the bottom (only possible when it is at least 2^20 times smaller, so the jam is far below the rounding point).
    /// </summary>
    internal static ulong AddCore<TF>(bool sx, int ex, UInt128 x, bool sy, int ey, UInt128 y, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        int nx = BitLength(x);
        int ny = BitLength(y);
        if (ey + ny > ex + nx)
        {
            (sx, sy) = (sy, sx);
            (ex, ey) = (ey, ex);
            (x, y) = (y, x);
            nx = ny;
        }

        int up = 126 - nx;
        UInt128 bigX = x << up;
        int frame = ex - up;
        int d = ey - frame;
        UInt128 bigY = d >= 0 ? y << d : ShiftRightJam(y, -d);
        UInt128 sum;
        bool sign = sx;
        if (sx == sy)
        {
            sum = bigX + bigY;
        }
        else if (bigX >= bigY)
        {
            sum = bigX - bigY;
        }
        else
        {
            sum = bigY - bigX;
            sign = sy;
        }

        if (sum == 0)
        {
            // Exact cancellation: +0, except -0 when rounding down.
            return Zero<TF>(rm == RoundingMode.Down);
        }

        return RoundPack<TF>(sign, frame, sum, rm, ref flags);
    }

    internal static ulong Mul<TF>(ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (IsNaN<TF>(a) || IsNaN<TF>(b))
        {
            return PropagateNaN<TF>(a, b, ref flags);
        }

        bool sign = Sign<TF>(a) != Sign<TF>(b);
        if (IsInfinity<TF>(a) || IsInfinity<TF>(b))
        {
            if (IsZero<TF>(a) || IsZero<TF>(b))
            {
                flags |= FpFlags.Invalid;
                return CanonicalNaN<TF>();
            }

            return Infinity<TF>(sign);
        }

        if (IsZero<TF>(a) || IsZero<TF>(b))
        {
            return Zero<TF>(sign);
        }

        ulong x = Unpack<TF>(a, out int ex);
        ulong y = Unpack<TF>(b, out int ey);
        return RoundPack<TF>(sign, ex + ey, (UInt128)x * y, rm, ref flags);
    }

    internal static ulong Div<TF>(ulong a, ulong b, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (IsNaN<TF>(a) || IsNaN<TF>(b))
        {
            return PropagateNaN<TF>(a, b, ref flags);
        }

        bool sign = Sign<TF>(a) != Sign<TF>(b);
        if (IsInfinity<TF>(a))
        {
            if (IsInfinity<TF>(b))
            {
                flags |= FpFlags.Invalid;
                return CanonicalNaN<TF>();
            }

            return Infinity<TF>(sign);
        }

        if (IsInfinity<TF>(b))
        {
            return Zero<TF>(sign);
        }

        if (IsZero<TF>(b))
        {
            if (IsZero<TF>(a))
            {
                flags |= FpFlags.Invalid;
                return CanonicalNaN<TF>();
            }

            flags |= FpFlags.DivideByZero;
            return Infinity<TF>(sign);
        }

        if (IsZero<TF>(a))
        {
            return Zero<TF>(sign);
        }

        ulong x = Unpack<TF>(a, out int ex);
        ulong y = Unpack<TF>(b, out int ey);

        // Scale the dividend so the quotient has at least precision + 3 bits; a non-zero remainder becomes the jam bit.
        int s = BitLength(y) - BitLength(x) + TF.FracBits + 4;
        UInt128 num = (UInt128)x << s;
        UInt128 quot = num / y;
        if (quot * y != num)
        {
            quot |= 1;
        }

        return RoundPack<TF>(sign, ex - ey - s, quot, rm, ref flags);
    }

    internal static ulong Sqrt<TF>(ulong a, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (IsNaN<TF>(a))
        {
            return PropagateNaN<TF>(a, a, ref flags);
        }

        if (IsZero<TF>(a))
        {
            return a;
        }

        if (Sign<TF>(a))
        {
            flags |= FpFlags.Invalid;
            return CanonicalNaN<TF>();
        }

        if (IsInfinity<TF>(a))
        {
            return a;
        }

        ulong x = Unpack<TF>(a, out int ex);

        // Radicand of at least 2p + 5 bits with an even exponent, so the integer root has at least p + 3 bits.
        int t = (2 * (TF.FracBits + 1)) + 5 - BitLength(x);
        if (((ex - t) & 1) != 0)
        {
            t++;
        }

        UInt128 radicand = (UInt128)x << t;
        UInt128 root = ISqrt(radicand);
        if (root * root != radicand)
        {
            root |= 1;
        }

        return RoundPack<TF>(false, (ex - t) / 2, root, rm, ref flags);
    }

    /// <summary>Floor of the square root of a radicand below 2^120: a double estimate corrected to the exact value.</summary>
    private static UInt128 ISqrt(UInt128 r)
    {
        UInt128 root = (UInt128)Math.Sqrt((double)r);
        while (root * root > r)
        {
            root--;
        }

        while ((root + 1) * (root + 1) <= r)
        {
            root++;
        }

        return root;
    }

    /// <summary>a*b+c with a single rounding.</summary>
    internal static ulong MulAdd<TF>(ulong a, ulong b, ulong c, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        bool infTimesZero = (IsInfinity<TF>(a) && IsZero<TF>(b)) || (IsZero<TF>(a) && IsInfinity<TF>(b));
        if (IsNaN<TF>(a) || IsNaN<TF>(b) || IsNaN<TF>(c) || infTimesZero)
        {
            // RISC-V raises NV for inf*0 even when the addend is a quiet NaN.
            if (infTimesZero || IsSignalingNaN<TF>(a) || IsSignalingNaN<TF>(b) || IsSignalingNaN<TF>(c))
            {
                flags |= FpFlags.Invalid;
            }

            return CanonicalNaN<TF>();
        }

        bool sp = Sign<TF>(a) != Sign<TF>(b);
        bool sc = Sign<TF>(c);
        if (IsInfinity<TF>(a) || IsInfinity<TF>(b))
        {
            if (IsInfinity<TF>(c) && sc != sp)
            {
                flags |= FpFlags.Invalid;
                return CanonicalNaN<TF>();
            }

            return Infinity<TF>(sp);
        }

        if (IsInfinity<TF>(c))
        {
            return c;
        }

        if (IsZero<TF>(a) || IsZero<TF>(b))
        {
            if (IsZero<TF>(c))
            {
                return Zero<TF>(sp == sc ? sp : rm == RoundingMode.Down);
            }

            return c;
        }

        ulong x = Unpack<TF>(a, out int ex);
        ulong y = Unpack<TF>(b, out int ey);
        UInt128 product = (UInt128)x * y;
        if (IsZero<TF>(c))
        {
            return RoundPack<TF>(sp, ex + ey, product, rm, ref flags);
        }

        ulong z = Unpack<TF>(c, out int ez);
        return AddCore<TF>(sp, ex + ey, product, sc, ez, z, rm, ref flags);
    }
}
