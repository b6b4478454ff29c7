using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>RV64I integer computational instructions.</summary>
internal static unsafe class AluOps
{
    public static void Lui(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)d->Imm;
        s->Pc += d->Length;
    }

    public static void Auipc(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->Pc + (ulong)(long)d->Imm;
        s->Pc += d->Length;
    }

    public static void Addi(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] + (ulong)(long)d->Imm;
        s->Pc += d->Length;
    }

    public static void Slti(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (long)s->X[d->Rs1] < d->Imm ? 1UL : 0UL;
        s->Pc += d->Length;
    }

    public static void Sltiu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] < (ulong)(long)d->Imm ? 1UL : 0UL;
        s->Pc += d->Length;
    }

    public static void Xori(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] ^ (ulong)(long)d->Imm;
        s->Pc += d->Length;
    }

    public static void Ori(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] | (ulong)(long)d->Imm;
        s->Pc += d->Length;
    }

    public static void Andi(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] & (ulong)(long)d->Imm;
        s->Pc += d->Length;
    }

    public static void Slli(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] << d->Imm;
        s->Pc += d->Length;
    }

    public static void Srli(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] >> d->Imm;
        s->Pc += d->Length;
    }

    public static void Srai(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)((long)s->X[d->Rs1] >> d->Imm);
        s->Pc += d->Length;
    }

    public static void Add(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] + s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Sub(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] - s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Sll(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] << (int)(s->X[d->Rs2] & 63);
        s->Pc += d->Length;
    }

    public static void Slt(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (long)s->X[d->Rs1] < (long)s->X[d->Rs2] ? 1UL : 0UL;
        s->Pc += d->Length;
    }

    public static void Sltu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] < s->X[d->Rs2] ? 1UL : 0UL;
        s->Pc += d->Length;
    }

    public static void Xor(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] ^ s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Srl(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 63);
        s->Pc += d->Length;
    }

    public static void Sra(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)((long)s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 63));
        s->Pc += d->Length;
    }

    public static void Or(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] | s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void And(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = s->X[d->Rs1] & s->X[d->Rs2];
        s->Pc += d->Length;
    }

    public static void Addiw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] + (uint)d->Imm);
        s->Pc += d->Length;
    }

    public static void Slliw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] << d->Imm);
        s->Pc += d->Length;
    }

    public static void Srliw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] >> d->Imm);
        s->Pc += d->Length;
    }

    public static void Sraiw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)((int)s->X[d->Rs1] >> d->Imm);
        s->Pc += d->Length;
    }

    public static void Addw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] + (uint)s->X[d->Rs2]);
        s->Pc += d->Length;
    }

    public static void Subw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] - (uint)s->X[d->Rs2]);
        s->Pc += d->Length;
    }

    public static void Sllw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] << (int)(s->X[d->Rs2] & 31));
        s->Pc += d->Length;
    }

    public static void Srlw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)(int)((uint)s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 31));
        s->Pc += d->Length;
    }

    public static void Sraw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->X[d->Rd] = (ulong)(long)((int)s->X[d->Rs1] >> (int)(s->X[d->Rs2] & 31));
        s->Pc += d->Length;
    }

    /// <summary>FENCE, hints and other instructions with no architectural effect here.</summary>
    public static void Nop(Hart h, DecodedInstruction* d)
    {
        h.State->Pc += d->Length;
    }
}
