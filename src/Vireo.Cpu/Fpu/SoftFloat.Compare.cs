namespace Vireo.Cpu.Fpu;

/// <summary>Comparisons, minimum/maximum and classification (pure bit manipulation; no rounding involved).</summary>
internal static partial class SoftFloat
{
    internal static bool Eq<TF>(ulong a, ulong b, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (IsNaN<TF>(a) || IsNaN<TF>(b))
        {
            // FEQ is a quiet comparison: only signalling NaNs are invalid.
            if (IsSignalingNaN<TF>(a) || IsSignalingNaN<TF>(b))
            {
                flags |= FpFlags.Invalid;
            }

            return false;
        }

        return a == b || (IsZero<TF>(a) && IsZero<TF>(b));
    }

    internal static bool Lt<TF>(ulong a, ulong b, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (IsNaN<TF>(a) || IsNaN<TF>(b))
        {
            flags |= FpFlags.Invalid;
            return false;
        }

        return !(IsZero<TF>(a) && IsZero<TF>(b)) && TotalKey<TF>(a) < TotalKey<TF>(b);
    }

    internal static bool Le<TF>(ulong a, ulong b, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        if (IsNaN<TF>(a) || IsNaN<TF>(b))
        {
            flags |= FpFlags.Invalid;
            return false;
        }

        return (IsZero<TF>(a) && IsZero<TF>(b)) || TotalKey<TF>(a) <= TotalKey<TF>(b);
    }

    /// <summary>RISC-V FMIN/FMAX (IEEE 754-2019 minimumNumber/maximumNumber with -0 &lt; +0).</summary>
    internal static ulong MinMax<TF>(ulong a, ulong b, bool max, ref FpFlags flags)
        where TF : struct, IFloatFormat
    {
        bool nanA = IsNaN<TF>(a);
        bool nanB = IsNaN<TF>(b);
        if (nanA || nanB)
        {
            if (IsSignalingNaN<TF>(a) || IsSignalingNaN<TF>(b))
            {
                flags |= FpFlags.Invalid;
            }

            if (nanA && nanB)
            {
                return CanonicalNaN<TF>();
            }

            return nanA ? b : a;
        }

        bool aLess = TotalKey<TF>(a) < TotalKey<TF>(b);
        return aLess != max ? a : b;
    }

    /// <summary>Maps a non-NaN value to an unsigned key ordered like the value, with -0 below +0.</summary>
    private static ulong TotalKey<TF>(ulong a)
        where TF : struct, IFloatFormat
    {
        ulong signBit = SignBit<TF>();
        ulong mask = signBit | (signBit - 1);
        return (a & signBit) != 0 ? ~a & mask : a | signBit;
    }

    /// <summary>FCLASS: a one-hot 10-bit mask.</summary>
    internal static ulong Classify<TF>(ulong a)
        where TF : struct, IFloatFormat
    {
        bool sign = Sign<TF>(a);
        int e = ExpField<TF>(a);
        ulong frac = a & FracMask<TF>();
        int bit;
        if (e == ExpMax<TF>())
        {
            if (frac == 0)
            {
                bit = sign ? 0 : 7;
            }
            else
            {
                bit = (frac & (1UL << (TF.FracBits - 1))) != 0 ? 9 : 8;
            }
        }
        else if (e == 0)
        {
            if (frac == 0)
            {
                bit = sign ? 3 : 4;
            }
            else
            {
                bit = sign ? 2 : 5;
            }
        }
        else
        {
            bit = sign ? 1 : 6;
        }

        return 1UL << bit;
    }
}
