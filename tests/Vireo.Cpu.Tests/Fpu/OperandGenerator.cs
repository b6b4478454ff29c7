using Vireo.Cpu.Fpu;
using Vireo.Cpu.Tests.Fpu.Reference;

namespace Vireo.Cpu.Tests.Fpu;

/// <summary>
/// Deterministic random operands biased toward the values where floating point goes wrong: zeros, subnormals,
/// infinities, quiet and signalling NaNs, the extremes of the normal range, significands next to rounding boundaries,
/// and operands related to each other (so sums cancel, products land near the underflow/overflow thresholds).
/// </summary>
public sealed class OperandGenerator
{
    private readonly Random _random;
    private readonly RefFormat _format;

    public OperandGenerator(RefFormat format, int seed)
    {
        _format = format;
        _random = new Random(seed);
    }

    public RefFormat Format => _format;

    public RoundingMode NextRoundingMode() => (RoundingMode)_random.Next(5);

    private ulong Bits(int count) => count == 0 ? 0 : ((ulong)_random.NextInt64() >> (64 - count)) ^ ((ulong)_random.Next(2) << (count - 1));

    private ulong Sign() => _random.Next(2) == 0 ? 0 : _format.SignMask;

    /// <summary>A significand (fraction field) that is random or sits next to a rounding boundary.</summary>
    private ulong Fraction()
    {
        RefFormat f = _format;
        ulong all = f.FracMask;
        int k = _random.Next(1, f.FracBits);
        return _random.Next(8) switch
        {
            0 => 0,
            1 => all,
            2 => all >> k, // low ones
            3 => all & ~(all >> k), // high ones
            4 => 1UL << _random.Next(f.FracBits),
            5 => (Bits(f.FracBits) & ~(all >> k)) | (1UL << (f.FracBits - k)), // random high part, then a single one
            6 => Bits(f.FracBits) | (all >> k),
            _ => Bits(f.FracBits),
        };
    }

    /// <summary>A biased exponent field: anywhere, near 1.0, or near either end of the range.</summary>
    private int Field()
    {
        int max = _format.MaxField;
        return _random.Next(6) switch
        {
            0 => _random.Next(1, max),
            1 => _format.Bias + _random.Next(-8, 9),
            2 => _random.Next(1, 1 + _format.Precision + 2),
            3 => max - 1 - _random.Next(_format.Precision + 2),
            4 => Math.Clamp((_format.Bias / 2) + _random.Next(-_format.Precision, _format.Precision), 1, max - 1),
            _ => Math.Clamp((_format.Bias * 3 / 2) + _random.Next(-_format.Precision, _format.Precision), 1, max - 1),
        };
    }

    public ulong Next()
    {
        RefFormat f = _format;
        switch (_random.Next(20))
        {
            case 0:
                return Sign();
            case 1:
            case 2:
                return Sign() | (Fraction() == 0 ? 1 : Fraction()); // subnormal
            case 3:
                return Sign() | f.PositiveInfinity;
            case 4:
                return Sign() | f.PositiveInfinity | (1UL << (f.FracBits - 1)) | (Bits(f.FracBits) & (f.FracMask >> 1)); // qNaN
            case 5:
                return Sign() | f.PositiveInfinity | Math.Max(1, Bits(f.FracBits) & (f.FracMask >> 1)); // sNaN
            case 6:
                return Sign() | f.MaxFinite;
            case 7:
                return Sign() | (1UL << f.FracBits); // min normal
            case 8:
                return Sign() | ((f.SignMask - 1) & Bits(f.Width - 1)); // random bits (NaNs included)
            default:
                return Sign() | ((ulong)Field() << f.FracBits) | Fraction();
        }
    }

    /// <summary>An operand related to <paramref name="a"/>: equal, negated, a few ulps away, or scaled.</summary>
    public ulong Near(ulong a)
    {
        RefFormat f = _format;
        if (_random.Next(3) == 0 || f.IsNaN(a) || f.IsInfinity(a))
        {
            return Next();
        }

        ulong magnitude = a & ~f.SignMask;
        ulong sign = _random.Next(2) == 0 ? a & f.SignMask : (a & f.SignMask) ^ f.SignMask;
        long delta = _random.Next(6) switch
        {
            0 => 0,
            1 => _random.Next(-3, 4),
            2 => (long)_random.Next(1, f.Precision + 4) << f.FracBits, // same significand pattern, smaller/larger exponent
            3 => -((long)_random.Next(1, f.Precision + 4) << f.FracBits),
            4 => (long)Bits(f.FracBits / 2) - (long)Bits(f.FracBits / 2),
            _ => (long)(Bits(f.FracBits) - Bits(f.FracBits)),
        };
        long result = (long)magnitude + delta;
        if (result < 0 || (ulong)result > f.MaxFinite)
        {
            return Next();
        }

        return sign | (ulong)result;
    }

    /// <summary>An operand whose product with <paramref name="a"/> lands near the bottom or top of the range.</summary>
    public ulong Scaled(ulong a)
    {
        RefFormat f = _format;
        int fa = f.Field(a);
        if (fa == 0 || fa == f.MaxField || _random.Next(3) == 0)
        {
            return Next();
        }

        // The product's exponent is about (fa - bias) + (fb - bias): aim at 0 (underflow edge) or the top.
        int target = _random.Next(2) == 0 ? _random.Next(-f.Precision - 2, 4) : f.MaxField - 1 + _random.Next(-3, 3);
        int fb = target - fa + f.Bias;
        if (_random.Next(2) == 0)
        {
            fb = fa - target + f.Bias; // a quotient a / b aims at the same place
        }

        if (fb < 1 || fb >= f.MaxField)
        {
            return Next();
        }

        return Sign() | ((ulong)fb << f.FracBits) | Fraction();
    }

    public long NextInt64()
    {
        return _random.Next(6) switch
        {
            0 => _random.Next(-1000, 1000),
            1 => long.MinValue + _random.Next(0, 4),
            2 => long.MaxValue - _random.Next(0, 4),
            3 => (long)((ulong)_random.NextInt64() >> _random.Next(64)) * (_random.Next(2) == 0 ? 1 : -1),
            4 => (1L << _random.Next(63)) + _random.Next(-2, 3),
            _ => (long)Bits(64),
        };
    }
}
