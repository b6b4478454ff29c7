using System.Runtime.CompilerServices;

namespace Vireo.Cpu.Fpu;

/// <summary>
/// Bit-exact IEEE 754-2008 arithmetic on raw bit patterns (held in a <see cref="ulong"/> for both formats) using only
/// integer arithmetic: the reference of truth behind <see cref="F32"/> and <see cref="F64"/>, which add host-FPU fast
/// paths where those are provably identical. Values are handled as sign, integer significand and exponent
/// (value = sig * 2^exp); every operation computes its result exactly or with a "jam" bit (bit 0 set when non-zero bits
/// were shifted out) and rounds once in <see cref="RoundPack{TF}"/>.
/// </summary>
internal static partial class SoftFloat
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Bias<TF>()
        where TF : struct, IFloatFormat => (1 << (TF.ExpBits - 1)) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ExpMax<TF>()
        where TF : struct, IFloatFormat => (1 << TF.ExpBits) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SignBit<TF>()
        where TF : struct, IFloatFormat => 1UL << (TF.FracBits + TF.ExpBits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong FracMask<TF>()
        where TF : struct, IFloatFormat => (1UL << TF.FracBits) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong CanonicalNaN<TF>()
        where TF : struct, IFloatFormat => ((ulong)ExpMax<TF>() << TF.FracBits) | (1UL << (TF.FracBits - 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Infinity<TF>(bool sign)
        where TF : struct, IFloatFormat => ((ulong)ExpMax<TF>() << TF.FracBits) | (sign ? SignBit<TF>() : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Zero<TF>(bool sign)
        where TF : struct, IFloatFormat => sign ? SignBit<TF>() : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Sign<TF>(ulong a)
        where TF : struct, IFloatFormat => (a & SignBit<TF>()) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ExpField<TF>(ulong a)
        where TF : struct, IFloatFormat => (int)(a >> TF.FracBits) & ExpMax<TF>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsNaN<TF>(ulong a)
        where TF : struct, IFloatFormat => ExpField<TF>(a) == ExpMax<TF>() && (a & FracMask<TF>()) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsSignalingNaN<TF>(ulong a)
        where TF : struct, IFloatFormat => IsNaN<TF>(a) && (a & (1UL << (TF.FracBits - 1))) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsInfinity<TF>(ulong a)
        where TF : struct, IFloatFormat => ExpField<TF>(a) == ExpMax<TF>() && (a & FracMask<TF>()) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsZero<TF>(ulong a)
        where TF : struct, IFloatFormat => (a & ~SignBit<TF>()) == 0;

    /// <summary>Significand and exponent of a finite non-zero value (value = sig * 2^exp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Unpack<TF>(ulong a, out int exp)
        where TF : struct, IFloatFormat
    {
        int e = ExpField<TF>(a);
        ulong f = a & FracMask<TF>();
        if (e == 0)
        {
            exp = 1 - Bias<TF>() - TF.FracBits;
            return f;
        }

        exp = e - Bias<TF>() - TF.FracBits;
        return f | (1UL << TF.FracBits);
    }

    /// <summary>Any NaN operand: raises NV for a signalling one and yields the canonical NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong PropagateNaN<TF>(ulong a, ulong b, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (IsSignalingNaN<TF>(a) || IsSignalingNaN<TF>(b))
        {
            flags |= FpFlags.Invalid;
        }

        return CanonicalNaN<TF>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int BitLength(UInt128 x) => 128 - (int)UInt128.LeadingZeroCount(x);

    /// <summary>Shifts right, OR-ing every bit shifted out into bit 0 (so "exact" and "slightly above" stay apart).</summary>
    internal static UInt128 ShiftRightJam(UInt128 x, int shift)
    {
        if (shift <= 0)
        {
            return x;
        }

        if (shift >= 128)
        {
            return x != 0 ? UInt128.One : UInt128.Zero;
        }

        UInt128 lost = x & ((UInt128.One << shift) - 1);
        return (x >> shift) | (lost != 0 ? UInt128.One : UInt128.Zero);
    }

    /// <summary>
    /// Drops the low <paramref name="shift"/> (&gt; 0) bits of <paramref name="sig"/> and rounds the kept part as
    /// <paramref name="rm"/> says for a value of sign <paramref name="sign"/>. The result may carry into one more bit.
    /// </summary>
    internal static UInt128 ShiftRound(UInt128 sig, int shift, bool sign, RoundingMode rm, out bool inexact)
    {
        UInt128 kept;
        bool round;
        bool sticky;
        if (shift > 128)
        {
            kept = 0;
            round = false;
            sticky = sig != 0;
        }
        else if (shift == 128)
        {
            kept = 0;
            round = (sig >> 127) != 0;
            sticky = (sig << 1) != 0;
        }
        else
        {
            kept = sig >> shift;
            UInt128 half = UInt128.One << (shift - 1);
            round = (sig & half) != 0;
            sticky = (sig & (half - 1)) != 0;
        }

        inexact = round | sticky;
        bool increment = rm switch
        {
            RoundingMode.NearestEven => round && (sticky || (kept & 1) != 0),
            RoundingMode.NearestMaxMagnitude => round,
            RoundingMode.Down => sign && inexact,
            RoundingMode.Up => !sign && inexact,
            _ => false,
        };
        return increment ? kept + 1 : kept;
    }

    /// <summary>Result of an overflow in rounding mode <paramref name="rm"/>: infinity or the largest finite number.</summary>
    internal static ulong Overflow<TF>(bool sign, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        flags |= FpFlags.Overflow | FpFlags.Inexact;
        bool toInfinity = rm switch
        {
            RoundingMode.TowardZero => false,
            RoundingMode.Down => sign,
            RoundingMode.Up => !sign,
            _ => true,
        };
        ulong inf = Infinity<TF>(sign);
        return toInfinity ? inf : inf - 1;
    }

    /// <summary>
    /// Rounds sig * 2^exp (sig != 0) to the format. If bit 0 of <paramref name="sig"/> is a jam bit the caller must
    /// supply at least precision + 2 significant bits so the jam bit can only act as a sticky bit.
    /// Tininess is detected after rounding (as if the exponent range were unbounded), as RISC-V requires.
    /// </summary>
    internal static ulong RoundPack<TF>(bool sign, int exp, UInt128 sig, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        int p = TF.FracBits + 1;
        int emin = 1 - Bias<TF>();
        int n = BitLength(sig);
        int e = exp + n - 1; // exponent of the leading bit
        int q = Math.Max(e, emin) - (p - 1); // exponent of the result's last place
        int shift = q - exp;
        if (e > Bias<TF>())
        {
            return Overflow<TF>(sign, rm, ref flags);
        }

        ulong kept;
        bool inexact = false;
        if (shift <= 0)
        {
            kept = (ulong)(sig << -shift);
        }
        else
        {
            kept = (ulong)ShiftRound(sig, shift, sign, rm, out inexact);
        }

        ulong signBit = sign ? SignBit<TF>() : 0;
        if (e < emin)
        {
            // Subnormal range before rounding: a carry into 2^(p-1) encodes the smallest normal by itself.
            if (inexact)
            {
                flags |= FpFlags.Inexact;
                bool tiny = e < emin - 1 || shift == 1;
                if (!tiny)
                {
                    // Just below 2^emin: tiny unless rounding to precision p with unbounded exponent reaches 2^emin.
                    UInt128 unbounded = ShiftRound(sig, shift - 1, sign, rm, out _);
                    tiny = unbounded >> p == 0;
                }

                if (tiny)
                {
                    flags |= FpFlags.Underflow;
                }
            }

            return signBit | kept;
        }

        // Adding the significand (with its leading bit) to (biased exponent - 1) lets a rounding carry bump the exponent.
        ulong raw = ((ulong)(e + Bias<TF>() - 1) << TF.FracBits) + kept;
        if ((raw >> TF.FracBits) >= (ulong)ExpMax<TF>())
        {
            return Overflow<TF>(sign, rm, ref flags);
        }

        if (inexact)
        {
            flags |= FpFlags.Inexact;
        }

        return signBit | raw;
    }
}
