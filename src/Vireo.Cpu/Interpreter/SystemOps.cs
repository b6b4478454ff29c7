using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Zicsr, Zifencei and the system instructions (ECALL, EBREAK, xRET, WFI, SFENCE.VMA).</summary>
internal static unsafe class SystemOps
{
    private const int CsrWrite = 1;
    private const int CsrSet = 2;
    private const int CsrClear = 3;

    /// <summary>Reserved or unimplemented encodings: illegal instruction with the bits (Imm) in tval.</summary>
    public static DecodedInstruction* Illegal(Hart h, DecodedInstruction* d)
    {
        h.RaiseIllegal((uint)d->Imm);
        return h.Redirect;
    }

    public static DecodedInstruction* Ecall(Hart h, DecodedInstruction* d)
    {
        h.ExecuteEcall();
        return h.Redirect;
    }

    public static DecodedInstruction* Ebreak(Hart h, DecodedInstruction* d)
    {
        h.RaiseException(TrapCause.Breakpoint, h.State->Pc);
        return h.Redirect;
    }

    public static DecodedInstruction* Mret(Hart h, DecodedInstruction* d)
    {
        h.ExecuteMret((uint)d->Imm);
        return h.Redirect;
    }

    public static DecodedInstruction* Sret(Hart h, DecodedInstruction* d)
    {
        h.ExecuteSret((uint)d->Imm);
        return h.Redirect;
    }

    public static DecodedInstruction* Wfi(Hart h, DecodedInstruction* d)
    {
        h.ExecuteWfi((uint)d->Imm);
        return h.Redirect;
    }

    /// <summary>SFENCE.VMA: the hart keeps no per-ASID state worth sparing, so every form flushes the whole TLB.</summary>
    public static DecodedInstruction* SfenceVma(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (s->Mode == 0 || (s->Mode == 1 && (s->Mstatus & Mstatus.Tvm) != 0))
        {
            h.RaiseIllegal((uint)d->Imm);
            return h.Redirect;
        }

        // Flushing ends the block (the page being executed is forgotten), so the slot returned here is never run.
        s->Pc += 4;
        h.FlushTlb();
        return h.Redirect;
    }

    /// <summary>FENCE.I: stores already invalidate decoded pages, so only the page being executed must be re-checked.</summary>
    public static DecodedInstruction* FenceI(Hart h, DecodedInstruction* d)
    {
        h.State->Pc += 4;
        h.InvalidateFetch();
        return h.Redirect;
    }

    public static DecodedInstruction* CsrRw(Hart h, DecodedInstruction* d) => Csr(h, d, CsrWrite, immediate: false);

    public static DecodedInstruction* CsrRs(Hart h, DecodedInstruction* d) => Csr(h, d, CsrSet, immediate: false);

    public static DecodedInstruction* CsrRc(Hart h, DecodedInstruction* d) => Csr(h, d, CsrClear, immediate: false);

    public static DecodedInstruction* CsrRwi(Hart h, DecodedInstruction* d) => Csr(h, d, CsrWrite, immediate: true);

    public static DecodedInstruction* CsrRsi(Hart h, DecodedInstruction* d) => Csr(h, d, CsrSet, immediate: true);

    public static DecodedInstruction* CsrRci(Hart h, DecodedInstruction* d) => Csr(h, d, CsrClear, immediate: true);

    private static DecodedInstruction* Csr(Hart h, DecodedInstruction* d, int kind, bool immediate)
    {
        HartState* s = h.State;
        int csr = d->Imm;
        ulong operand = immediate ? d->Rs1 : s->X[d->Rs1];
        bool write = kind == CsrWrite || d->Rs1 != 0;
        if (!h.CsrAccessible(csr, write) || !h.TryReadCsr(csr, out ulong old))
        {
            h.RaiseIllegal(CsrBits(d, kind, immediate));
            return h.Redirect;
        }

        if (write)
        {
            ulong value = kind switch
            {
                CsrWrite => operand,
                CsrSet => old | operand,
                _ => old & ~operand,
            };
            h.TryWriteCsr(csr, value);
            h.EndBlock();
        }

        s->X[d->Rd] = old;
        return Hart.Next4(s, d);
    }

    /// <summary>Rebuilds the instruction bits for tval (the decoder replaced rd = x0 by the sink register).</summary>
    private static uint CsrBits(DecodedInstruction* d, int kind, bool immediate)
    {
        uint rd = d->Rd == HartState.SinkRegister ? 0u : d->Rd;
        uint funct3 = (uint)kind | (immediate ? 4u : 0u);
        return ((uint)d->Imm << 20) | ((uint)d->Rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x73;
    }
}
