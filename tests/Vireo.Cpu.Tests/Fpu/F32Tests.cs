using Vireo.Cpu.Fpu;

namespace Vireo.Cpu.Tests.Fpu;

/// <summary>Hand-written binary32 cases, including the edges of the binary64-based fast paths.</summary>
public sealed class F32Tests
{
    private const uint One = 0x3f800000;
    private const uint Inf = 0x7f800000;
    private const uint MaxFinite = 0x7f7fffff;
    private const uint MinNormal = 0x00800000;
    private const uint SNaN = 0x7f800001;
    private const uint QNaN = 0x7fc12345;
    private const uint Sign = 0x80000000;

    private static uint S(float value) => BitConverter.SingleToUInt32Bits(value);

    [Theory]
    [InlineData(RoundingMode.NearestEven, One)]
    [InlineData(RoundingMode.TowardZero, One)]
    [InlineData(RoundingMode.Down, One)]
    [InlineData(RoundingMode.Up, One + 1)]
    [InlineData(RoundingMode.NearestMaxMagnitude, One + 1)]
    public void TieRoundsPerMode(RoundingMode rm, uint expected)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expected, F32.Add(One, 0x33800000, rm, ref flags)); // 1 + 2^-24
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Fact]
    public void FusedMultiplyAddBreaksATieTheProductAloneWouldRoundToEven()
    {
        // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 is a binary32 tie; adding 2^-80 must round it up. A binary64 sum would
        // lose the 2^-80 and land exactly on the tie, so this exercises the fast path's midpoint fallback.
        uint a = 0x3f800800;
        uint tiny = 0x17800000;
        FpFlags flags = FpFlags.None;
        Assert.Equal(0x3f801001u, F32.MulAdd(a, a, tiny, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);

        ulong product = F32.Mul(a, a, RoundingMode.NearestEven, ref flags);
        Assert.Equal(0x3f801000u, F32.Add((uint)product, tiny, RoundingMode.NearestEven, ref flags));
        Assert.Equal(0x3f801000u, F32.MulAdd(a, a, tiny | Sign, RoundingMode.NearestEven, ref flags));
    }

    [Fact]
    public void SubnormalAndUnderflowEdges()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(0x00400000u, F32.Mul(MinNormal, S(0.5f), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);

        // (1 - 2^-24) * 2^-126 has 24 bits: tiny after rounding even though it rounds to the smallest normal.
        Assert.Equal(MinNormal, F32.Mul(0x3f7fffff, MinNormal, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Underflow | FpFlags.Inexact, flags);

        flags = FpFlags.None;
        Assert.Equal(0x007fffffu, F32.Mul(0x3f7fffff, MinNormal, RoundingMode.TowardZero, ref flags));
        Assert.Equal(FpFlags.Underflow | FpFlags.Inexact, flags);

        flags = FpFlags.None;
        Assert.Equal(1u, F32.Div(1, S(2.0f), RoundingMode.Up, ref flags)); // half the smallest subnormal, rounded up
        Assert.Equal(0u, F32.Div(1, S(2.0f), RoundingMode.NearestEven, ref flags)); // tie to even zero
        Assert.Equal(FpFlags.Underflow | FpFlags.Inexact, flags);
    }

    [Theory]
    [InlineData(RoundingMode.NearestEven, Inf)]
    [InlineData(RoundingMode.TowardZero, MaxFinite)]
    [InlineData(RoundingMode.Down, MaxFinite)]
    [InlineData(RoundingMode.Up, Inf)]
    [InlineData(RoundingMode.NearestMaxMagnitude, Inf)]
    public void OverflowPerMode(RoundingMode rm, uint expected)
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(expected, F32.Mul(MaxFinite, S(2.0f), rm, ref flags));
        Assert.Equal(FpFlags.Overflow | FpFlags.Inexact, flags);
        flags = FpFlags.None;
        uint negative = F32.Mul(MaxFinite, S(-2.0f), rm, ref flags);
        bool negativeToInfinity = rm is RoundingMode.NearestEven or RoundingMode.NearestMaxMagnitude or RoundingMode.Down;
        Assert.Equal((negativeToInfinity ? Inf : MaxFinite) | Sign, negative);
        Assert.Equal(FpFlags.Overflow | FpFlags.Inexact, flags);
    }

    [Fact]
    public void NaNHandling()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(F32.CanonicalNaN, F32.Add(QNaN, One, RoundingMode.NearestEven, ref flags));
        Assert.Equal(F32.CanonicalNaN, F32.Sub(Inf, Inf, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);

        flags = FpFlags.None;
        Assert.Equal(F32.CanonicalNaN, F32.Mul(QNaN | Sign, One, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
        Assert.Equal(F32.CanonicalNaN, F32.Sqrt(S(-4.0f), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);

        flags = FpFlags.None;
        Assert.Equal(F32.CanonicalNaN, F32.MulAdd(0, Inf, QNaN, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
    }

    [Fact]
    public void SingleToDoubleIsExactAndCanonicalisesNaN()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(BitConverter.DoubleToUInt64Bits(Math.ScaleB(1.0, -149)), F32.ToF64(1, ref flags));
        Assert.Equal(BitConverter.DoubleToUInt64Bits(double.NegativeInfinity), F32.ToF64(Inf | Sign, ref flags));
        Assert.Equal(0x8000000000000000UL, F32.ToF64(Sign, ref flags));
        Assert.Equal(F64.CanonicalNaN, F32.ToF64(QNaN, ref flags));
        Assert.Equal(FpFlags.None, flags);
        Assert.Equal(F64.CanonicalNaN, F32.ToF64(SNaN, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);
    }

    [Fact]
    public void IntegerConversions()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(0xcf000000u, F32.FromInt32(int.MinValue, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.None, flags);
        Assert.Equal(0x4b800000u, F32.FromInt32(16777217, RoundingMode.NearestEven, ref flags));
        Assert.Equal(0x4b800001u, F32.FromInt32(16777217, RoundingMode.Up, ref flags));
        Assert.Equal(0x5f800000u, F32.FromUInt64(ulong.MaxValue, RoundingMode.NearestEven, ref flags));
        Assert.Equal(0xdf000000u, F32.FromInt64(long.MinValue + 1, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);

        flags = FpFlags.None;
        Assert.Equal(int.MaxValue, F32.ToInt32(S(2147483648.0f), RoundingMode.NearestEven, ref flags));
        Assert.Equal(0u, F32.ToUInt32(S(-1.0f), RoundingMode.NearestEven, ref flags));
        Assert.Equal(long.MaxValue, F32.ToInt64(QNaN, RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);

        flags = FpFlags.None;
        Assert.Equal(-3L, F32.ToInt64(S(-2.5f), RoundingMode.NearestMaxMagnitude, ref flags));
        Assert.Equal(1UL << 63, F32.ToUInt64(S(9.2233720e18f), RoundingMode.NearestEven, ref flags));
        Assert.Equal(FpFlags.Inexact, flags);
    }

    [Fact]
    public void MinMaxCompareAndClassify()
    {
        FpFlags flags = FpFlags.None;
        Assert.Equal(Sign, F32.Min(0, Sign, ref flags));
        Assert.Equal(0u, F32.Max(Sign, 0, ref flags));
        Assert.Equal(One, F32.Max(QNaN, One, ref flags));
        Assert.True(F32.Eq(0, Sign, ref flags));
        Assert.True(F32.Lt(S(-1.0f), S(-0.5f), ref flags));
        Assert.Equal(FpFlags.None, flags);
        Assert.Equal(F32.CanonicalNaN, F32.Min(SNaN, QNaN, ref flags));
        Assert.Equal(FpFlags.Invalid, flags);

        uint[] samples = [Inf | Sign, S(-1.0f), 0x80000001, Sign, 0, 0x007fffff, One, Inf, SNaN, QNaN];
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.Equal(1UL << i, F32.Classify(samples[i]));
        }
    }
}
