using System.Buffers.Binary;
using System.Numerics;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Zba, Zbb and Zbs bit-manipulation instructions.</summary>
internal static unsafe class BitOps
{
    public static DecodedInstruction* Sh1add(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (s->X[d->Rs1] << 1) + s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sh2add(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (s->X[d->Rs1] << 2) + s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sh3add(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (s->X[d->Rs1] << 3) + s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* AddUw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(uint)s->X[d->Rs1] + s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sh1addUw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = ((ulong)(uint)s->X[d->Rs1] << 1) + s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sh2addUw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = ((ulong)(uint)s->X[d->Rs1] << 2) + s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sh3addUw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = ((ulong)(uint)s->X[d->Rs1] << 3) + s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* SlliUw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(uint)s->X[d->Rs1] << d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Andn(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] & ~s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Orn(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] | ~s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Xnor(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = ~(s->X[d->Rs1] ^ s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Clz(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)BitOperations.LeadingZeroCount(s->X[d->Rs1]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Ctz(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)BitOperations.TrailingZeroCount(s->X[d->Rs1]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Cpop(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)BitOperations.PopCount(s->X[d->Rs1]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Clzw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)BitOperations.LeadingZeroCount((uint)s->X[d->Rs1]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Ctzw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (uint)s->X[d->Rs1] == 0 ? 32UL : (ulong)BitOperations.TrailingZeroCount((uint)s->X[d->Rs1]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Cpopw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)BitOperations.PopCount((uint)s->X[d->Rs1]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Max(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (long)s->X[d->Rs1] > (long)s->X[d->Rs2] ? s->X[d->Rs1] : s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Maxu(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] > s->X[d->Rs2] ? s->X[d->Rs1] : s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Min(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (long)s->X[d->Rs1] < (long)s->X[d->Rs2] ? s->X[d->Rs1] : s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Minu(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] < s->X[d->Rs2] ? s->X[d->Rs1] : s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* SextB(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(sbyte)s->X[d->Rs1];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* SextH(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(short)s->X[d->Rs1];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* ZextH(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(ushort)s->X[d->Rs1];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Rol(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = BitOperations.RotateLeft(s->X[d->Rs1], (int)(s->X[d->Rs2] & 63));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Ror(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = BitOperations.RotateRight(s->X[d->Rs1], (int)(s->X[d->Rs2] & 63));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Rori(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = BitOperations.RotateRight(s->X[d->Rs1], d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Rolw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)BitOperations.RotateLeft((uint)s->X[d->Rs1], (int)(s->X[d->Rs2] & 31));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Rorw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)BitOperations.RotateRight((uint)s->X[d->Rs1], (int)(s->X[d->Rs2] & 31));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Roriw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)BitOperations.RotateRight((uint)s->X[d->Rs1], d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* OrcB(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = OrCombine(s->X[d->Rs1]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Rev8(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = BinaryPrimitives.ReverseEndianness(s->X[d->Rs1]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Bclr(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] & ~(1UL << (int)(s->X[d->Rs2] & 63));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Bclri(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] & ~(1UL << d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Bext(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 63)) & 1;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Bexti(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (s->X[d->Rs1] >> d->Imm) & 1;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Binv(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] ^ (1UL << (int)(s->X[d->Rs2] & 63));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Binvi(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] ^ (1UL << d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Bset(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] | (1UL << (int)(s->X[d->Rs2] & 63));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Bseti(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] | (1UL << d->Imm);
        return Hart.Next(s, d);
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
