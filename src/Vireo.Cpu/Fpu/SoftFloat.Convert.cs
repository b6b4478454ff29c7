namespace Vireo.Cpu.Fpu;

/// <summary>Conversions between the formats and to/from integers.</summary>
internal static partial class SoftFloat
{
    /// <summary>
    /// RISC-V FCVT to a <paramref name="bits"/>-wide integer. Returns the two's-complement result zero-extended to 64 bits
    /// (callers narrow). NaN gives the largest positive value; out-of-range values saturate and raise NV only.
    /// </summary>
    internal static ulong ToInteger<TF>(ulong a, bool signed, int bits, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        ulong maxPositive = signed ? (1UL << (bits - 1)) - 1 : (bits == 64 ? ulong.MaxValue : (1UL << bits) - 1);
        ulong minNegative = signed ? 1UL << (bits - 1) : 0; // magnitude of the most negative value
        if (IsNaN<TF>(a))
        {
            flags |= FpFlags.Invalid;
            return maxPositive;
        }

        bool sign = Sign<TF>(a);
        ulong saturated = sign ? 0 - minNegative : maxPositive;
        if (IsInfinity<TF>(a))
        {
            flags |= FpFlags.Invalid;
            return Narrow(saturated, bits);
        }

        if (IsZero<TF>(a))
        {
            return 0;
        }

        ulong sig = Unpack<TF>(a, out int exp);
        UInt128 magnitude;
        bool inexact = false;
        if (exp >= 0)
        {
            if (exp > 64)
            {
                flags |= FpFlags.Invalid;
                return Narrow(saturated, bits);
            }

            magnitude = (UInt128)sig << exp;
        }
        else
        {
            magnitude = ShiftRound(sig, -exp, sign, rm, out inexact);
        }

        if (magnitude > (sign ? minNegative : maxPositive))
        {
            flags |= FpFlags.Invalid;
            return Narrow(saturated, bits);
        }

        if (inexact)
        {
            flags |= FpFlags.Inexact;
        }

        ulong m = (ulong)magnitude;
        return Narrow(sign ? 0 - m : m, bits);
    }

    private static ulong Narrow(ulong value, int bits) => bits == 64 ? value : value & ((1UL << bits) - 1);

    internal static ulong FromInteger<TF>(bool sign, ulong magnitude, RoundingMode rm, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (magnitude == 0)
        {
            return 0;
        }

        return RoundPack<TF>(sign, 0, magnitude, rm, ref flags);
    }

    /// <summary>Converts between formats: NaN becomes the target's canonical NaN (NV if signalling), others round.</summary>
    internal static ulong Convert<TFrom, TTo>(ulong a, RoundingMode rm, ref FpFlags flags)
        where TFrom : struct, IFloatFormat
        where TTo : struct, IFloatFormat
    {
        if (IsNaN<TFrom>(a))
        {
            if (IsSignalingNaN<TFrom>(a))
            {
                flags |= FpFlags.Invalid;
            }

            return CanonicalNaN<TTo>();
        }

        bool sign = Sign<TFrom>(a);
        if (IsInfinity<TFrom>(a))
        {
            return Infinity<TTo>(sign);
        }

        if (IsZero<TFrom>(a))
        {
            return Zero<TTo>(sign);
        }

        ulong sig = Unpack<TFrom>(a, out int exp);
        return RoundPack<TTo>(sign, exp, sig, rm, ref flags);
    }
}
