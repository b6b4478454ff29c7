using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>RV64I integer computational instructions.</summary>
internal static unsafe class AluOps
{
    public static DecodedInstruction* Lui(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Auipc(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->Pc + (ulong)(long)d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Addi(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] + (ulong)(long)d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Slti(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (long)s->X[d->Rs1] < d->Imm ? 1UL : 0UL;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sltiu(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] < (ulong)(long)d->Imm ? 1UL : 0UL;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Xori(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] ^ (ulong)(long)d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Ori(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] | (ulong)(long)d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Andi(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] & (ulong)(long)d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Slli(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] << d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Srli(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] >> d->Imm;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Srai(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)((long)s->X[d->Rs1] >> d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Add(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] + s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sub(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] - s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sll(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] << (int)(s->X[d->Rs2] & 63);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Slt(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (long)s->X[d->Rs1] < (long)s->X[d->Rs2] ? 1UL : 0UL;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sltu(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] < s->X[d->Rs2] ? 1UL : 0UL;
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Xor(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] ^ s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Srl(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 63);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sra(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)((long)s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 63));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Or(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] | s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* And(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = s->X[d->Rs1] & s->X[d->Rs2];
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Addiw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] + (uint)d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Slliw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] << d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Srliw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] >> d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sraiw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)((int)s->X[d->Rs1] >> d->Imm);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Addw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] + (uint)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Subw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] - (uint)s->X[d->Rs2]);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sllw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] << (int)(s->X[d->Rs2] & 31));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Srlw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 31));
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sraw(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->X[d->Rd] = (ulong)(long)((int)s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 31));
        return Hart.Next(s, d);
    }

    /// <summary>FENCE, hints and other instructions with no architectural effect here.</summary>
    public static DecodedInstruction* Nop(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Hart.Next(h.State, d);
    }
}
