using System.Runtime.CompilerServices;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Fpu;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// F and D instructions: register plumbing, NaN-boxing, FS tracking, rounding-mode resolution and fflags accrual around
/// the soft-float arithmetic in <see cref="Fpu"/>. Imm carries the rm field (bits 0-2) and rs3 (bits 8-12).
/// </summary>
internal static unsafe class FloatOps
{
    private const ulong BoxMask = 0xFFFF_FFFF_0000_0000;
    private const uint CanonicalNaN32 = 0x7FC0_0000;
    private const uint Sign32 = 0x8000_0000;
    private const ulong Sign64 = 0x8000_0000_0000_0000;

    public static DecodedInstruction* FaddS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.Add(S(s, d->Rs1), S(s, d->Rs2), rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FaddD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.Add(s->F[d->Rs1], s->F[d->Rs2], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsubS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.Sub(S(s, d->Rs1), S(s, d->Rs2), rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsubD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.Sub(s->F[d->Rs1], s->F[d->Rs2], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmulS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.Mul(S(s, d->Rs1), S(s, d->Rs2), rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmulD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.Mul(s->F[d->Rs1], s->F[d->Rs2], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FdivS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.Div(S(s, d->Rs1), S(s, d->Rs2), rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FdivD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.Div(s->F[d->Rs1], s->F[d->Rs2], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsqrtS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.Sqrt(S(s, d->Rs1), rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsqrtD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.Sqrt(s->F[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmaddS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.MulAdd(S(s, d->Rs1), S(s, d->Rs2), S(s, d->Imm >> 8), rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmaddD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.MulAdd(s->F[d->Rs1], s->F[d->Rs2], s->F[(d->Imm >> 8) & 31], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmsubS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.MulAdd(S(s, d->Rs1), S(s, d->Rs2), S(s, d->Imm >> 8) ^ Sign32, rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmsubD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.MulAdd(s->F[d->Rs1], s->F[d->Rs2], s->F[(d->Imm >> 8) & 31] ^ Sign64, rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FnmsubS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.MulAdd(S(s, d->Rs1) ^ Sign32, S(s, d->Rs2), S(s, d->Imm >> 8), rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FnmsubD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.MulAdd(s->F[d->Rs1] ^ Sign64, s->F[d->Rs2], s->F[(d->Imm >> 8) & 31], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FnmaddS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.MulAdd(S(s, d->Rs1) ^ Sign32, S(s, d->Rs2), S(s, d->Imm >> 8) ^ Sign32, rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FnmaddD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.MulAdd(s->F[d->Rs1] ^ Sign64, s->F[d->Rs2], s->F[(d->Imm >> 8) & 31] ^ Sign64, rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsgnjS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        SetS(s, d->Rd, (S(s, d->Rs1) & ~Sign32) | (S(s, d->Rs2) & Sign32));
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsgnjnS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        SetS(s, d->Rd, (S(s, d->Rs1) & ~Sign32) | (~S(s, d->Rs2) & Sign32));
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsgnjxS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        SetS(s, d->Rd, S(s, d->Rs1) ^ (S(s, d->Rs2) & Sign32));
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsgnjD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        SetD(s, d->Rd, (s->F[d->Rs1] & ~Sign64) | (s->F[d->Rs2] & Sign64));
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsgnjnD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        SetD(s, d->Rd, (s->F[d->Rs1] & ~Sign64) | (~s->F[d->Rs2] & Sign64));
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FsgnjxD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        SetD(s, d->Rd, s->F[d->Rs1] ^ (s->F[d->Rs2] & Sign64));
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FminS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.Min(S(s, d->Rs1), S(s, d->Rs2), ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmaxS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.Max(S(s, d->Rs1), S(s, d->Rs2), ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FminD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.Min(s->F[d->Rs1], s->F[d->Rs2], ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmaxD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.Max(s->F[d->Rs1], s->F[d->Rs2], ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FeqS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = F32.Eq(S(s, d->Rs1), S(s, d->Rs2), ref flags) ? 1UL : 0UL;
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FeqD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = F64.Eq(s->F[d->Rs1], s->F[d->Rs2], ref flags) ? 1UL : 0UL;
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FltS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = F32.Lt(S(s, d->Rs1), S(s, d->Rs2), ref flags) ? 1UL : 0UL;
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FltD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = F64.Lt(s->F[d->Rs1], s->F[d->Rs2], ref flags) ? 1UL : 0UL;
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FleS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = F32.Le(S(s, d->Rs1), S(s, d->Rs2), ref flags) ? 1UL : 0UL;
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FleD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = F64.Le(s->F[d->Rs1], s->F[d->Rs2], ref flags) ? 1UL : 0UL;
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FclassS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        s->X[d->Rd] = F32.Classify(S(s, d->Rs1));
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FclassD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        s->X[d->Rd] = F64.Classify(s->F[d->Rs1]);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtWS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = (ulong)(long)F32.ToInt32(S(s, d->Rs1), rm, ref flags);
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtWuS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = (ulong)(long)(int)F32.ToUInt32(S(s, d->Rs1), rm, ref flags);
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtLS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = (ulong)F32.ToInt64(S(s, d->Rs1), rm, ref flags);
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtLuS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = F32.ToUInt64(S(s, d->Rs1), rm, ref flags);
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtSW(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.FromInt32((int)s->X[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtSWu(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.FromUInt32((uint)s->X[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtSL(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.FromInt64((long)s->X[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtSLu(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F32.FromUInt64(s->X[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtWD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = (ulong)(long)F64.ToInt32(s->F[d->Rs1], rm, ref flags);
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtWuD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = (ulong)(long)(int)F64.ToUInt32(s->F[d->Rs1], rm, ref flags);
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtLD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = (ulong)F64.ToInt64(s->F[d->Rs1], rm, ref flags);
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtLuD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        s->X[d->Rd] = F64.ToUInt64(s->F[d->Rs1], rm, ref flags);
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtDW(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.FromInt32((int)s->X[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtDWu(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.FromUInt32((uint)s->X[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtDL(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.FromInt64((long)s->X[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtDLu(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetD(s, d->Rd, F64.FromUInt64(s->X[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtSD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        SetS(s, d->Rd, F64.ToF32(s->F[d->Rs1], rm, ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FcvtDS(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Begin(h, s, d, out RoundingMode rm))
        {
            return &s->Redirect;
        }

        FpFlags flags = FpFlags.None;
        _ = rm;
        SetD(s, d->Rd, F32.ToF64(S(s, d->Rs1), ref flags));
        Finish(s, flags);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmvXW(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        s->X[d->Rd] = (ulong)(long)(int)(uint)s->F[d->Rs1];
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmvXD(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        s->X[d->Rd] = s->F[d->Rs1];
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmvWX(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        SetS(s, d->Rd, (uint)s->X[d->Rs1]);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FmvDX(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (!Enabled(h, s))
        {
            return &s->Redirect;
        }

        SetD(s, d->Rd, s->X[d->Rs1]);
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* Flw(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (Enabled(h, s) && LoadStoreOps.TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out uint value))
        {
            SetS(s, d->Rd, value);
            return Hart.Next(s, d);
        }

        return &s->Redirect;
    }

    public static DecodedInstruction* Fld(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (Enabled(h, s) && LoadStoreOps.TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out ulong value))
        {
            SetD(s, d->Rd, value);
            return Hart.Next(s, d);
        }

        return &s->Redirect;
    }

    public static DecodedInstruction* Fsw(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (Enabled(h, s) && LoadStoreOps.TryStore(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, (uint)s->F[d->Rs2]))
        {
            return Hart.Next(s, d);
        }

        return &s->Redirect;
    }

    public static DecodedInstruction* Fsd(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (Enabled(h, s) && LoadStoreOps.TryStore(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, s->F[d->Rs2]))
        {
            return Hart.Next(s, d);
        }

        return &s->Redirect;
    }

    /// <summary>A single-precision operand: the low half when properly NaN-boxed, otherwise the canonical NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint S(HartState* s, int index)
    {
        ulong value = s->F[index & 31];
        return (value & BoxMask) == BoxMask ? (uint)value : CanonicalNaN32;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetS(HartState* s, int index, uint value)
    {
        s->F[index] = BoxMask | value;
        s->Mstatus |= Mstatus.FsDirty | Mstatus.Sd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetD(HartState* s, int index, ulong value)
    {
        s->F[index] = value;
        s->Mstatus |= Mstatus.FsDirty | Mstatus.Sd;
    }

    /// <summary>False (after raising illegal instruction) when mstatus.FS is Off.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Enabled(Hart h, HartState* s)
    {
        if ((s->Mstatus & Mstatus.Fs) != 0)
        {
            return true;
        }

        h.RaiseIllegalAtPc();
        return false;
    }

    /// <summary>FS check plus the effective rounding mode; reserved modes (static 5/6, dynamic frm &gt; 4) are illegal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Begin(Hart h, HartState* s, DecodedInstruction* d, out RoundingMode rm)
    {
        int mode = d->Imm & 7;
        if (mode == 7)
        {
            mode = (int)((s->Fcsr >> 5) & 7);
        }

        rm = (RoundingMode)mode;
        if ((s->Mstatus & Mstatus.Fs) != 0 && mode <= 4)
        {
            return true;
        }

        h.RaiseIllegalAtPc();
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(HartState* s, FpFlags flags)
    {
        if (flags != FpFlags.None)
        {
            s->Fcsr |= (ulong)flags;
            s->Mstatus |= Mstatus.FsDirty | Mstatus.Sd;
        }
    }
}
