using Vireo.Cpu.Fpu;

namespace Vireo.Cpu.Tests.Fpu;

/// <summary>Hand-written binary64 cases for every rule of the RISC-V D extension the FPU implements.</summary>
public sealed class F64Tests
{
    private const ulong One = 0x3ff0000000000000;
    private const ulong OnePlusUlp = 0x3ff0000000000001; // 1 + 2^-52
    private const ulong OneMinusHalfUlp = 0x3fefffffffffffff; // 1 - 2^-53
    private const ulong HalfUlp = 0x3ca0000000000000; // 2^-53
    private const ulong MaxFinite = 0x7fefffffffffffff;
    private const ulong MinNormal = 0x0010000000000000;
    private const ulong MaxSubnormal = 0x000fffffffffffff;
    private const ulong Inf = 0x7ff0000000000000;
    private const ulong NegInf = 0xfff0000000000000;
    private const ulong NegZero = 0x8000000000000000;
    private const ulong QNaN = 0x7ff8000000001234; // payload must not survive
    private const ulong SNaN = 0x7ff0000000000001;
    private const ulong Sign = 0x8000000000000000;
    private const ulong Two = 0x4000000000000000;

    private static ulong D(double value) => BitConverter.DoubleToUInt64Bits(value);

    [Theory]
    [InlineData(RoundingMode.NearestEven, One)]
    [InlineData(RoundingMode.TowardZero, One)]
    [InlineData(RoundingMode.Down, One)]
    [InlineData(RoundingMode.Up, OnePlusUlp)]
    [InlineData(RoundingMode.NearestMaxMagnitude, OnePlusUlp)]
    public void PositiveTieRoundsPerMode(RoundingMode rm, ulong expected)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expected, F64.Add(One, HalfUlp, rm, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Theory]
    [InlineData(RoundingMode.NearestEven, One)]
    [InlineData(RoundingMode.TowardZero, One)]
    [InlineData(RoundingMode.Down, OnePlusUlp)]
    [InlineData(RoundingMode.Up, One)]
    [InlineData(RoundingMode.NearestMaxMagnitude, OnePlusUlp)]
    public void NegativeTieRoundsPerMode(RoundingMode rm, ulong expectedMagnitude)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expectedMagnitude | Sign, F64.Sub(One | Sign, HalfUlp, rm, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Fact]
    public void NearestEvenBreaksTiesTowardEvenSignificand()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(0x3ff0000000000002UL, F64.Add(OnePlusUlp, HalfUlp, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Fact]
    public void ExactOperationsRaiseNoFlags()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(D(3.0), F64.Add(One, Two, RoundingMode.NearestEven, ref flags));
        Assert.Equal(D(0.75), F64.Div(D(3.0), D(4.0), RoundingMode.TowardZero, ref flags));
        Assert.Equal(D(3.0), F64.Sqrt(D(9.0), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
    }

    [Fact]
    public void InexactDivisionAndSqrtRaiseInexactOnly()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(D(1.0 / 3.0), F64.Div(One, D(3.0), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
        flags = FpFlags.None;
        Assert.Equal(D(Math.Sqrt(2.0)), F64.Sqrt(Two, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);

        // 1/3 rounded up and down differ by one ulp.
        flags = FpFlags.None;
        ulong down = F64.Div(One, D(3.0), RoundingMode.Down, ref flags);
        ulong up = F64.Div(One, D(3.0), RoundingMode.Up, ref flags);
        Assert.Equal(down + 1, up);
    }

    [Fact]
    public void ExactSubnormalResultDoesNotUnderflow()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(0x0008000000000000UL, F64.Mul(MinNormal, D(0.5), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
    }

    [Fact]
    public void InexactSubnormalResultUnderflows()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(0x0008000000000000UL, F64.Mul(0x0010000000000001, D(0.5), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Underflow | FpFlags.Inexact, flags);
    }

    [Fact]
    public void TinyValueRoundingUpToMinNormalStillUnderflowsWhenTinyAfterRoundingToPrecision()
    {
        // (1 - 2^-53) * 2^-1022 has 53 bits: with an unbounded exponent it rounds to itself, which is tiny.
        FpFlags flags = FpFlags.None;
        Assert.Equal(MinNormal, F64.Mul(OneMinusHalfUlp, MinNormal, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Underflow | FpFlags.Inexact, flags);
    }

    [Fact]
    public void TinyBeforeButNotAfterRoundingRaisesInexactWithoutUnderflow()
    {
        // 2^-1022 - 2^-1076 = (1 - 2^-54) * 2^-1022 rounds (to 53 bits) to 2^-1022: not tiny after rounding.
        ulong minusTwoPowMinus76 = 0xbb30000000000000;
        ulong twoPowMinus1000 = 0x0170000000000000;
        FpFlags flags = FpFlags.None;
        Assert.Equal(MinNormal, F64.MulAdd(minusTwoPowMinus76, twoPowMinus1000, MinNormal, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);

        // Toward zero the same value stays below 2^-1022: tiny and inexact.
        flags = FpFlags.None;
        Assert.Equal(MaxSubnormal, F64.MulAdd(minusTwoPowMinus76, twoPowMinus1000, MinNormal, RoundingMode.TowardZero, ref flags));
        Assert.Equal(FpFlags.Underflow | FpFlags.Inexact, flags);
    }

    [Theory]
    [InlineData(RoundingMode.NearestEven, Inf)]
    [InlineData(RoundingMode.TowardZero, MaxFinite)]
    [InlineData(RoundingMode.Down, MaxFinite)]
    [InlineData(RoundingMode.Up, Inf)]
    [InlineData(RoundingMode.NearestMaxMagnitude, Inf)]
    public void PositiveOverflowPerMode(RoundingMode rm, ulong expected)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expected, F64.Mul(MaxFinite, Two, rm, ref flags));
        Assert.Equal(FpFlags.Overflow | FpFlags.Inexact, flags);
    }

    [Theory]
    [InlineData(RoundingMode.NearestEven, NegInf)]
    [InlineData(RoundingMode.TowardZero, MaxFinite | Sign)]
    [InlineData(RoundingMode.Down, NegInf)]
    [InlineData(RoundingMode.Up, MaxFinite | Sign)]
    [InlineData(RoundingMode.NearestMaxMagnitude, NegInf)]
    public void NegativeOverflowPerMode(RoundingMode rm, ulong expected)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expected, F64.Add(MaxFinite | Sign, MaxFinite | Sign, rm, ref flags));
        Assert.Equal(FpFlags.Overflow | FpFlags.Inexact, flags);
    }

    [Fact]
    public void NaNResultsAreCanonicalAndOnlySignalingNaNsAreInvalid()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(F64.CanonicalNaN, F64.Add(QNaN | Sign, One, RoundingMode.NearestEven, ref flags));
        Assert.Equal(F64.CanonicalNaN, F64.Mul(One, QNaN, RoundingMode.NearestEven, ref flags));
        Assert.Equal(F64.CanonicalNaN, F64.Sqrt(QNaN, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);

        Assert.Equal(F64.CanonicalNaN, F64.Div(SNaN, One, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
    }

    [Fact]
    public void InvalidOperationsRaiseInvalid()
    {
        var cases = new Func<RoundingMode, FpFlags, (ulong, FpFlags)>[]
        {
            (rm, f) => (F64.Add(Inf, NegInf, rm, ref f), f),
            (rm, f) => (F64.Sub(Inf, Inf, rm, ref f), f),
            (rm, f) => (F64.Mul(0, Inf, rm, ref f), f),
            (rm, f) => (F64.Div(0, NegZero, rm, ref f), f),
            (rm, f) => (F64.Div(Inf, NegInf, rm, ref f), f),
            (rm, f) => (F64.Sqrt(One | Sign, rm, ref f), f),
            (rm, f) => (F64.Sqrt(NegInf, rm, ref f), f),
            (rm, f) => (F64.MulAdd(Inf, One, NegInf, rm, ref f), f),
        };
        foreach (var op in cases)
        {
            (ulong result, FpFlags flags) = op(RoundingMode.NearestEven, FpFlags.None);
            Assert.Equal(F64.CanonicalNaN, result);
            Assert.Equal(FpFlags.Invalid, flags);
        }
    }

    [Fact]
    public void InfinityTimesZeroPlusQuietNaNIsInvalid()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(F64.CanonicalNaN, F64.MulAdd(Inf, 0, QNaN, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);

        flags = FpFlags.None;
        Assert.Equal(F64.CanonicalNaN, F64.MulAdd(One, One, QNaN, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
    }

    [Fact]
    public void DivisionByZeroGivesSignedInfinity()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(Inf, F64.Div(One, 0, RoundingMode.NearestEven, ref flags));
        Assert.Equal(NegInf, F64.Div(One, NegZero, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.DivideByZero, flags);

        // Infinity / 0 is an exact infinity, not a division by zero.
        flags = FpFlags.None;
        Assert.Equal(Inf, F64.Div(Inf, 0, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
    }

    [Theory]
    [InlineData(RoundingMode.NearestEven, 0UL)]
    [InlineData(RoundingMode.TowardZero, 0UL)]
    [InlineData(RoundingMode.Down, NegZero)]
    [InlineData(RoundingMode.Up, 0UL)]
    [InlineData(RoundingMode.NearestMaxMagnitude, 0UL)]
    public void ExactCancellationIsPositiveZeroExceptRoundingDown(RoundingMode rm, ulong expected)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expected, F64.Sub(D(1.5), D(1.5), rm, ref flags));
        Assert.Equal(expected, F64.Add(0, NegZero, rm, ref flags));
        Assert.Equal(expected, F64.MulAdd(One, Two, D(-2.0), rm, ref flags));
        Assert.Equal(NegZero, F64.Add(NegZero, NegZero, rm, ref flags));
        Assert.Equal(0UL, F64.Add(0, 0, rm, ref flags));
        Assert.Equal(FpFlags.None, flags);
    }

    [Fact]
    public void SqrtOfNegativeZeroIsNegativeZero()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(NegZero, F64.Sqrt(NegZero, RoundingMode.NearestEven, ref flags));
        Assert.Equal(Inf, F64.Sqrt(Inf, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
    }

    [Fact]
    public void FusedMultiplyAddRoundsOnce()
    {
        // (1 + 2^-52)(1 - 2^-53) - 1 = 2^-53 - 2^-105 exactly; the separately rounded product is 1, giving 0.
        FpFlags flags = FpFlags.None;
        ulong fused = F64.MulAdd(OnePlusUlp, OneMinusHalfUlp, One | Sign, RoundingMode.NearestEven, ref flags);
        Assert.Equal(0x3c9ffffffffffffeUL, fused);
        Assert.Equal(FpFlags.None, flags);

        ulong product = F64.Mul(OnePlusUlp, OneMinusHalfUlp, RoundingMode.NearestEven, ref flags);
        Assert.Equal(0UL, F64.Add(product, One | Sign, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Fact]
    public void FusedMultiplyAddSeesAddendBelowTheProductsRoundingPoint()
    {
        // 1 * (1 + 2^-52) + 2^-54: a quarter ulp; round up only in RUP, and always inexact.
        FpFlags flags = FpFlags.None;
        ulong quarter = 0x3c90000000000000;
        Assert.Equal(OnePlusUlp, F64.MulAdd(One, OnePlusUlp, quarter, RoundingMode.NearestEven, ref flags));
        Assert.Equal(OnePlusUlp + 1, F64.MulAdd(One, OnePlusUlp, quarter, RoundingMode.Up, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Fact]
    public void MinMaxOrderZerosAndIgnoreOneNaN()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(NegZero, F64.Min(0, NegZero, ref flags));
        Assert.Equal(NegZero, F64.Min(NegZero, 0, ref flags));
        Assert.Equal(0UL, F64.Max(NegZero, 0, ref flags));
        Assert.Equal(0UL, F64.Max(0, NegZero, ref flags));
        Assert.Equal(One, F64.Min(QNaN, One, ref flags));
        Assert.Equal(One, F64.Max(One, QNaN, ref flags));
        Assert.Equal(NegInf, F64.Min(NegInf, MaxFinite, ref flags));
        Assert.Equal(F64.CanonicalNaN, F64.Max(QNaN, QNaN | Sign, ref flags));
        Assert.Equal(FpFlags.None, flags);

        Assert.Equal(One, F64.Min(SNaN, One, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
        flags = FpFlags.None;
        Assert.Equal(F64.CanonicalNaN, F64.Max(SNaN, QNaN, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
    }

    [Fact]
    public void ComparisonsFollowQuietAndSignalingRules()
    {
        FpFlags flags = FpFlags.None;
        Assert.True(F64.Eq(0, NegZero, ref flags));
        Assert.True(F64.Le(NegZero, 0, ref flags));
        Assert.False(F64.Lt(NegZero, 0, ref flags));
        Assert.True(F64.Lt(NegInf, MaxFinite | Sign, ref flags));
        Assert.True(F64.Lt(D(-2.0), D(-1.0), ref flags));
        Assert.False(F64.Le(D(-1.0), D(-2.0), ref flags));
        Assert.False(F64.Eq(QNaN, QNaN, ref flags));
        Assert.Equal(FpFlags.None, flags);

        Assert.False(F64.Eq(SNaN, One, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
        flags = FpFlags.None;
        Assert.False(F64.Lt(QNaN, One, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
        flags = FpFlags.None;
        Assert.False(F64.Le(One, QNaN, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
    }

    [Theory]
    [InlineData(NegInf, 0)]
    [InlineData(0xbff0000000000000, 1)]
    [InlineData(0x800fffffffffffff, 2)]
    [InlineData(NegZero, 3)]
    [InlineData(0UL, 4)]
    [InlineData(0x0000000000000001, 5)]
    [InlineData(MaxFinite, 6)]
    [InlineData(Inf, 7)]
    [InlineData(SNaN, 8)]
    [InlineData(QNaN, 9)]
    public void ClassifySetsExactlyOneBit(ulong value, int bit) => Assert.Equal(1UL << bit, F64.Classify(value));

    [Theory]
    [InlineData(2.5, RoundingMode.NearestEven, 2)]
    [InlineData(2.5, RoundingMode.NearestMaxMagnitude, 3)]
    [InlineData(2.5, RoundingMode.TowardZero, 2)]
    [InlineData(2.5, RoundingMode.Down, 2)]
    [InlineData(2.5, RoundingMode.Up, 3)]
    [InlineData(-2.5, RoundingMode.NearestEven, -2)]
    [InlineData(-2.5, RoundingMode.NearestMaxMagnitude, -3)]
    [InlineData(-2.5, RoundingMode.TowardZero, -2)]
    [InlineData(-2.5, RoundingMode.Down, -3)]
    [InlineData(-2.5, RoundingMode.Up, -2)]
    [InlineData(3.5, RoundingMode.NearestEven, 4)]
    public void ToInt32RoundsPerMode(double value, RoundingMode rm, int expected)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expected, F64.ToInt32(D(value), rm, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Theory]
    [InlineData(double.NaN, int.MaxValue)]
    [InlineData(double.PositiveInfinity, int.MaxValue)]
    [InlineData(double.NegativeInfinity, int.MinValue)]
    [InlineData(3e9, int.MaxValue)]
    [InlineData(2147483647.5, int.MaxValue)] // rounds (RNE) to 2^31: out of range
    [InlineData(-2147483649.0, int.MinValue)]
    public void ToInt32SaturatesWithInvalidOnly(double value, int expected)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expected, F64.ToInt32(D(value), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
    }

    [Fact]
    public void ConversionBoundariesThatFitAreNotInvalid()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(int.MinValue, F64.ToInt32(D(-2147483648.0), RoundingMode.NearestEven, ref flags));
        Assert.Equal(long.MinValue, F64.ToInt64(D(-9223372036854775808.0), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
        Assert.Equal(int.MinValue, F64.ToInt32(D(-2147483648.75), RoundingMode.TowardZero, ref flags));
        Assert.Equal(int.MaxValue, F64.ToInt32(D(2147483647.25), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Fact]
    public void UnsignedConversionsSaturateNegativeToZero()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(0u, F64.ToUInt32(D(-0.3), RoundingMode.TowardZero, ref flags));
        Assert.Equal(FpFlags.Inexact, flags); // rounds to zero, which fits

        flags = FpFlags.None;
        Assert.Equal(0u, F64.ToUInt32(D(-0.7), RoundingMode.NearestEven, ref flags));
        Assert.Equal(0UL, F64.ToUInt64(D(-1.0), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);

        flags = FpFlags.None;
        Assert.Equal(uint.MaxValue, F64.ToUInt32(F64.CanonicalNaN, RoundingMode.NearestEven, ref flags));
        Assert.Equal(ulong.MaxValue, F64.ToUInt64(D(1.8446744073709552e19), RoundingMode.NearestEven, ref flags));
        Assert.Equal(long.MaxValue, F64.ToInt64(D(9.2233720368547758e18), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);

        flags = FpFlags.None;
        Assert.Equal(4294967295u, F64.ToUInt32(D(4294967295.0), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
    }

    [Fact]
    public void IntegerToDoubleRoundsPerMode()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(D(-2147483648.0), F64.FromInt32(int.MinValue, RoundingMode.NearestEven, ref flags));
        Assert.Equal(D(4294967295.0), F64.FromUInt32(uint.MaxValue, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);

        Assert.Equal(0x43f0000000000000UL, F64.FromUInt64(ulong.MaxValue, RoundingMode.NearestEven, ref flags));
        Assert.Equal(0x43efffffffffffffUL, F64.FromUInt64(ulong.MaxValue, RoundingMode.TowardZero, ref flags));
        Assert.Equal(D(9007199254740992.0), F64.FromInt64((1L << 53) + 1, RoundingMode.NearestEven, ref flags));
        Assert.Equal(D(-9007199254740994.0), F64.FromInt64(-(1L << 53) - 1, RoundingMode.Down, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Fact]
    public void DoubleToSingleRoundsOverflowsAndUnderflows()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(0x3f800000u, F64.ToF32(One, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);

        // 1 + 2^-24 is a binary32 tie.
        ulong tie = 0x3ff0000010000000;
        Assert.Equal(0x3f800000u, F64.ToF32(tie, RoundingMode.NearestEven, ref flags));
        Assert.Equal(0x3f800001u, F64.ToF32(tie, RoundingMode.Up, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);

        flags = FpFlags.None;
        Assert.Equal(0x7f800000u, F64.ToF32(D(1e300), RoundingMode.NearestEven, ref flags));
        Assert.Equal(0x7f7fffffu, F64.ToF32(D(1e300), RoundingMode.TowardZero, ref flags));
        Assert.Equal(FpFlags.Overflow | FpFlags.Inexact, flags);

        flags = FpFlags.None;
        Assert.Equal(0u, F64.ToF32(D(1e-300), RoundingMode.NearestEven, ref flags));
        Assert.Equal(1u, F64.ToF32(D(1e-300), RoundingMode.Up, ref flags));
        Assert.Equal(FpFlags.Underflow | FpFlags.Inexact, flags);

        flags = FpFlags.None;
        Assert.Equal(F32.CanonicalNaN, F64.ToF32(SNaN, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
    }

    [Fact]
    public void FlagsAccrue()
    {
        FpFlags flags = FpFlags.DivideByZero;
        F64.Add(One, HalfUlp, RoundingMode.NearestEven, ref flags);
        Assert.Equal(FpFlags.DivideByZero | FpFlags.Inexact, flags);
    }
}
