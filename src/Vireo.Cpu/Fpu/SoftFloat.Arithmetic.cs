using System.Numerics;

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
        return AddSmall<TF>(sa, ex, x, sb, ey, y, rm, ref flags);
    }

    /// <summary>
    /// <see cref="AddCore{TF}"/> for significands of at most 53 bits in 64-bit arithmetic: the operand with the higher
    /// leading bit goes to bit 61, so bits of the other one only fall off (into the jam bit) when it is at least 2^8
    /// times smaller, far below the rounding point.
    /// </summary>
    private static ulong AddSmall<TF>(bool sx, int ex, ulong x, bool sy, int ey, ulong y, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        int nx = 64 - BitOperations.LeadingZeroCount(x);
        int ny = 64 - BitOperations.LeadingZeroCount(y);
        if (ey + ny > ex + nx)
        {
            (sx, sy) = (sy, sx);
            (ex, ey) = (ey, ex);
            (x, y) = (y, x);
            nx = ny;
        }

        int up = 62 - nx;
        ulong bigX = x << up;
        int frame = ex - up;
        int d = ey - frame;
        ulong bigY;
        if (d >= 0)
        {
            bigY = y << d;
        }
        else if (d > -64)
        {
            bigY = (y >> -d) | ((y << (64 + d)) != 0 ? 1UL : 0);
        }
        else
        {
            bigY = 1; // y != 0
        }

        ulong sum;
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

        // Normalise both significands to 53 bits; Q = floor(x * 2^55 / y) then has 55 or 56 bits (at least
        // precision + 2), and a non-zero remainder becomes the jam bit. The host division gives Q to within a few
        // units; exact integer arithmetic corrects it.
        int lx = 53 - (64 - BitOperations.LeadingZeroCount(x));
        int ly = 53 - (64 - BitOperations.LeadingZeroCount(y));
        x <<= lx;
        y <<= ly;
        ulong q = (ulong)((double)x / y * 36028797018963968.0); // * 2^55
        UInt128 num = (UInt128)x << 55;
        Int128 rem = (Int128)(num - ((UInt128)q * y));
        while (rem < 0)
        {
            q--;
            rem += y;
        }

        while (rem >= y)
        {
            q++;
            rem -= y;
        }

        if (rem != 0)
        {
            q |= 1;
        }

        return RoundPack<TF>(sign, ex - lx - ey + ly - 55, q, rm, ref flags);
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

        // Significand normalised to 53 or 54 bits with an even exponent, so the radicand x * 2^58 has 111 or 112 bits
        // and its integer root 56 (at least precision + 2). The host square root gives the root to within a few
        // units; exact integer arithmetic corrects it, and a non-zero remainder becomes the jam bit.
        int shift = 53 - (64 - BitOperations.LeadingZeroCount(x));
        if (((ex - shift) & 1) != 0)
        {
            shift++;
        }

        x <<= shift;
        ex -= shift;
        ulong root = (ulong)(Math.Sqrt(x) * 536870912.0); // * 2^29 = sqrt(2^58)
        UInt128 radicand = (UInt128)x << 58;
        while ((UInt128)root * root > radicand)
        {
            root--;
        }

        while ((UInt128)(root + 1) * (root + 1) <= radicand)
        {
            root++;
        }

        if ((UInt128)root * root != radicand)
        {
            root |= 1;
        }

        return RoundPack<TF>(false, (ex - 58) / 2, root, rm, ref flags);
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
