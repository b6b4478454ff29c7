using System.Runtime.CompilerServices;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// Jumps and conditional branches. Targets are always 2-byte aligned (C is implemented), so no misaligned-fetch traps.
/// The far forms continue through the redirect slot (or the target's slot when it happens to be on the page being
/// executed); the decoder picks the near form for a branch whose target lies on its own page, which hands back the
/// target's slot directly.
/// </summary>
internal static unsafe class BranchOps
{
    public static DecodedInstruction* Jal(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong pc = s->Pc;
        s->X[d->Rd] = pc + d->Length;
        return Hart.JumpTo(s, pc + (ulong)(long)d->Imm);
    }

    public static DecodedInstruction* JalNear(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong pc = s->Pc;
        long imm = d->Imm;
        s->X[d->Rd] = pc + d->Length;
        s->Pc = pc + (ulong)imm;
        return (DecodedInstruction*)((byte*)d + (imm * 8));
    }

    public static DecodedInstruction* Jalr(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong target = (s->X[d->Rs1] + (ulong)(long)d->Imm) & ~1UL;
        s->X[d->Rd] = s->Pc + d->Length;
        return Hart.JumpTo(s, target);
    }

    public static DecodedInstruction* Beq(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Far(s, d, s->X[d->Rs1] == s->X[d->Rs2]);
    }

    public static DecodedInstruction* Bne(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Far(s, d, s->X[d->Rs1] != s->X[d->Rs2]);
    }

    public static DecodedInstruction* Blt(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Far(s, d, (long)s->X[d->Rs1] < (long)s->X[d->Rs2]);
    }

    public static DecodedInstruction* Bge(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Far(s, d, (long)s->X[d->Rs1] >= (long)s->X[d->Rs2]);
    }

    public static DecodedInstruction* Bltu(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Far(s, d, s->X[d->Rs1] < s->X[d->Rs2]);
    }

    public static DecodedInstruction* Bgeu(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Far(s, d, s->X[d->Rs1] >= s->X[d->Rs2]);
    }

    public static DecodedInstruction* BeqNear(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Near(s, d, s->X[d->Rs1] == s->X[d->Rs2]);
    }

    public static DecodedInstruction* BneNear(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Near(s, d, s->X[d->Rs1] != s->X[d->Rs2]);
    }

    public static DecodedInstruction* BltNear(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Near(s, d, (long)s->X[d->Rs1] < (long)s->X[d->Rs2]);
    }

    public static DecodedInstruction* BgeNear(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Near(s, d, (long)s->X[d->Rs1] >= (long)s->X[d->Rs2]);
    }

    public static DecodedInstruction* BltuNear(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Near(s, d, s->X[d->Rs1] < s->X[d->Rs2]);
    }

    public static DecodedInstruction* BgeuNear(Hart h, HartState* s, DecodedInstruction* d)
    {
        return Near(s, d, s->X[d->Rs1] >= s->X[d->Rs2]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DecodedInstruction* Far(HartState* s, DecodedInstruction* d, bool taken)
    {
        if (taken)
        {
            return Hart.JumpTo(s, s->Pc + (ulong)(long)d->Imm);
        }

        return Hart.Next(s, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DecodedInstruction* Near(HartState* s, DecodedInstruction* d, bool taken)
    {
        if (taken)
        {
            long imm = d->Imm;
            s->Pc += (ulong)imm;
            return (DecodedInstruction*)((byte*)d + (imm * 8));
        }

        return Hart.Next(s, d);
    }
}
