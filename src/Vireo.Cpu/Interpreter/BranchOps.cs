using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Jumps and conditional branches. Targets are always 2-byte aligned (C is implemented), so no misaligned-fetch traps.</summary>
internal static unsafe class BranchOps
{
    public static void Jal(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        ulong pc = s->Pc;
        s->X[d->Rd] = pc + d->Length;
        s->Pc = pc + (ulong)(long)d->Imm;
    }

    public static void Jalr(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        ulong target = (s->X[d->Rs1] + (ulong)(long)d->Imm) & ~1UL;
        s->X[d->Rd] = s->Pc + d->Length;
        s->Pc = target;
    }

    public static void Beq(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->Pc += s->X[d->Rs1] == s->X[d->Rs2] ? (ulong)(long)d->Imm : d->Length;
    }

    public static void Bne(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->Pc += s->X[d->Rs1] != s->X[d->Rs2] ? (ulong)(long)d->Imm : d->Length;
    }

    public static void Blt(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->Pc += (long)s->X[d->Rs1] < (long)s->X[d->Rs2] ? (ulong)(long)d->Imm : d->Length;
    }

    public static void Bge(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->Pc += (long)s->X[d->Rs1] >= (long)s->X[d->Rs2] ? (ulong)(long)d->Imm : d->Length;
    }

    public static void Bltu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->Pc += s->X[d->Rs1] < s->X[d->Rs2] ? (ulong)(long)d->Imm : d->Length;
    }

    public static void Bgeu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        s->Pc += s->X[d->Rs1] >= s->X[d->Rs2] ? (ulong)(long)d->Imm : d->Length;
    }
}
