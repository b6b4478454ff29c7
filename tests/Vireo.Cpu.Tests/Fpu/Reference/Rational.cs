using System.Numerics;

namespace Vireo.Cpu.Tests.Fpu.Reference;

/// <summary>Exact value Num / Den * 2^Exp2 (Den &gt; 0), with just the operations the reference needs.</summary>
public readonly record struct Rational(BigInteger Num, BigInteger Den, int Exp2)
{
    public static Rational FromDyadic(BigInteger mantissa, int exponent) => new(mantissa, BigInteger.One, exponent);

    public int Sign => Num.Sign;

    public static Rational operator +(Rational a, Rational b)
    {
        int e = Math.Min(a.Exp2, b.Exp2);
        BigInteger an = a.Num << (a.Exp2 - e);
        BigInteger bn = b.Num << (b.Exp2 - e);
        return new Rational((an * b.Den) + (bn * a.Den), a.Den * b.Den, e);
    }

    public static Rational operator *(Rational a, Rational b) => new(a.Num * b.Num, a.Den * b.Den, a.Exp2 + b.Exp2);

    public static Rational operator /(Rational a, Rational b)
    {
        BigInteger num = a.Num * b.Den;
        BigInteger den = a.Den * b.Num;
        if (den.Sign < 0)
        {
            num = -num;
            den = -den;
        }

        return new Rational(num, den, a.Exp2 - b.Exp2);
    }

    public static int Compare(Rational a, Rational b) => (a + new Rational(-b.Num, b.Den, b.Exp2)).Sign;
}
