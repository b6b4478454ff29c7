using System.Buffers.Binary;
using System.Numerics;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Zba, Zbb and Zbs bit-manipulation instructions.</summary>
internal static unsafe class BitOps
{
    public static void Sh1add(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (s->X[d->Rs1] << 1) + s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Sh2add(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (s->X[d->Rs1] << 2) + s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Sh3add(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (s->X[d->Rs1] << 3) + s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void AddUw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(uint)s->X[d->Rs1] + s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Sh1addUw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = ((ulong)(uint)s->X[d->Rs1] << 1) + s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Sh2addUw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = ((ulong)(uint)s->X[d->Rs1] << 2) + s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Sh3addUw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = ((ulong)(uint)s->X[d->Rs1] << 3) + s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void SlliUw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(uint)s->X[d->Rs1] << d->Imm;
        s->Pc += d->Length;
    }

    public static void Andn(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] & ~s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Orn(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] | ~s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Xnor(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = ~(s->X[d->Rs1] ^ s->X[d->Rs2]);
        s->Pc += d->Length;
    }

    public static void Clz(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)BitOperations.LeadingZeroCount(s->X[d->Rs1]);
        s->Pc += d->Length;
    }

    public static void Ctz(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)BitOperations.TrailingZeroCount(s->X[d->Rs1]);
        s->Pc += d->Length;
    }

    public static void Cpop(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)BitOperations.PopCount(s->X[d->Rs1]);
        s->Pc += d->Length;
    }

    public static void Clzw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)BitOperations.LeadingZeroCount((uint)s->X[d->Rs1]);
        s->Pc += d->Length;
    }

    public static void Ctzw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (uint)s->X[d->Rs1] == 0 ? 32UL : (ulong)BitOperations.TrailingZeroCount((uint)s->X[d->Rs1]);
        s->Pc += d->Length;
    }

    public static void Cpopw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)BitOperations.PopCount((uint)s->X[d->Rs1]);
        s->Pc += d->Length;
    }

    public static void Max(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (long)s->X[d->Rs1] > (long)s->X[d->Rs2] ? s->X[d->Rs1] : s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Maxu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] > s->X[d->Rs2] ? s->X[d->Rs1] : s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Min(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (long)s->X[d->Rs1] < (long)s->X[d->Rs2] ? s->X[d->Rs1] : s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Minu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] < s->X[d->Rs2] ? s->X[d->Rs1] : s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void SextB(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(sbyte)s->X[d->Rs1];
        s->Pc += d->Length;
    }

    public static void SextH(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(short)s->X[d->Rs1];
        s->Pc += d->Length;
    }

    public static void ZextH(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(ushort)s->X[d->Rs1];
        s->Pc += d->Length;
    }

    public static void Rol(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = BitOperations.RotateLeft(s->X[d->Rs1], (int)(s->X[d->Rs2] & 63));
        s->Pc += d->Length;
    }

    public static void Ror(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = BitOperations.RotateRight(s->X[d->Rs1], (int)(s->X[d->Rs2] & 63));
        s->Pc += d->Length;
    }

    public static void Rori(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = BitOperations.RotateRight(s->X[d->Rs1], d->Imm);
        s->Pc += d->Length;
    }

    public static void Rolw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)BitOperations.RotateLeft((uint)s->X[d->Rs1], (int)(s->X[d->Rs2] & 31));
        s->Pc += d->Length;
    }

    public static void Rorw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)BitOperations.RotateRight((uint)s->X[d->Rs1], (int)(s->X[d->Rs2] & 31));
        s->Pc += d->Length;
    }

    public static void Roriw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)BitOperations.RotateRight((uint)s->X[d->Rs1], d->Imm);
        s->Pc += d->Length;
    }

    public static void OrcB(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = OrCombine(s->X[d->Rs1]);
        s->Pc += d->Length;
    }

    public static void Rev8(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = BinaryPrimitives.ReverseEndianness(s->X[d->Rs1]);
        s->Pc += d->Length;
    }

    public static void Bclr(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] & ~(1UL << (int)(s->X[d->Rs2] & 63));
        s->Pc += d->Length;
    }

    public static void Bclri(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] & ~(1UL << d->Imm);
        s->Pc += d->Length;
    }

    public static void Bext(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 63)) & 1;
        s->Pc += d->Length;
    }

    public static void Bexti(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (s->X[d->Rs1] >> d->Imm) & 1;
        s->Pc += d->Length;
    }

    public static void Binv(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] ^ (1UL << (int)(s->X[d->Rs2] & 63));
        s->Pc += d->Length;
    }

    public static void Binvi(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] ^ (1UL << d->Imm);
        s->Pc += d->Length;
    }

    public static void Bset(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] | (1UL << (int)(s->X[d->Rs2] & 63));
        s->Pc += d->Length;
    }

    public static void Bseti(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] | (1UL << d->Imm);
        s->Pc += d->Length;
    }

    private static ulong OrCombine(ulong value)
    {
        ulong result = 0;
        for (int i = 0; i < 64; i += 8)
        {
            if (((value >> i) & 0xFF) != 0)
            {
                result |= 0xFFUL << i;
            }
        }

        return result;
    }
}
