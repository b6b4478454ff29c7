using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>The M extension: multiply and divide, with RISC-V results for division by zero and overflow.</summary>
internal static unsafe class MulDivOps
{
    public static DecodedInstruction* Mul(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] * s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Mulh(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)Math.BigMul((long)s->X[d->Rs1], (long)s->X[d->Rs2], out _);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Mulhsu(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = MulHighSignedUnsigned(s->X[d->Rs1], s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Mulhu(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = Math.BigMul(s->X[d->Rs1], s->X[d->Rs2], out _);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Div(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = Divide((long)s->X[d->Rs1], (long)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Divu(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs2] == 0 ? ulong.MaxValue : s->X[d->Rs1] / s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Rem(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = Remainder((long)s->X[d->Rs1], (long)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Remu(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs2] == 0 ? s->X[d->Rs1] : s->X[d->Rs1] % s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Mulw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] * (uint)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Divw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)DivideWord((int)s->X[d->Rs1], (int)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Divuw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (uint)s->X[d->Rs2] == 0 ? ulong.MaxValue : (ulong)(long)(int)((uint)s->X[d->Rs1] / (uint)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Remw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)RemainderWord((int)s->X[d->Rs1], (int)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Remuw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (uint)s->X[d->Rs2] == 0 ? (ulong)(long)(int)s->X[d->Rs1] : (ulong)(long)(int)((uint)s->X[d->Rs1] % (uint)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    private static ulong MulHighSignedUnsigned(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out _);
        return (long)a < 0 ? high - b : high;
    }

    private static ulong Divide(long a, long b)
    {
        if (b == 0)
        {
            return ulong.MaxValue;
        }

        return b == -1 ? unchecked((ulong)(-a)) : (ulong)(a / b);
    }

    private static ulong Remainder(long a, long b)
    {
        if (b == 0)
        {
            return (ulong)a;
        }

        return b == -1 ? 0 : (ulong)(a % b);
    }

    private static int DivideWord(int a, int b)
    {
        if (b == 0)
        {
            return -1;
        }

        return b == -1 ? -a : a / b;
    }

    private static int RemainderWord(int a, int b)
    {
        if (b == 0)
        {
            return a;
        }

        return b == -1 ? 0 : a % b;
    }
}
