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
    public static DecodedInstruction* Illegal(Hart h, HartState* s, DecodedInstruction* d)
    {
        h.RaiseIllegal((uint)d->Imm);
        return &s->Redirect;
    }

    public static DecodedInstruction* Ecall(Hart h, HartState* s, DecodedInstruction* d)
    {
        h.ExecuteEcall();
        return &s->Redirect;
    }

    public static DecodedInstruction* Ebreak(Hart h, HartState* s, DecodedInstruction* d)
    {
        h.RaiseException(TrapCause.Breakpoint, s->Pc);
        return &s->Redirect;
    }

    public static DecodedInstruction* Mret(Hart h, HartState* s, DecodedInstruction* d)
    {
        h.ExecuteMret((uint)d->Imm);
        return &s->Redirect;
    }

    public static DecodedInstruction* Sret(Hart h, HartState* s, DecodedInstruction* d)
    {
        h.ExecuteSret((uint)d->Imm);
        return &s->Redirect;
    }

    public static DecodedInstruction* Wfi(Hart h, HartState* s, DecodedInstruction* d)
    {
        h.ExecuteWfi((uint)d->Imm);
        return &s->Redirect;
    }

    /// <summary>
    /// SFENCE.VMA: with an address, drops the translations that address's page may have left (see
    /// <see cref="Hart.FlushTlbAddress"/>); without one, everything. The TLB keeps no ASIDs (a satp write flushes it), so
    /// the ASID operand only ever narrows what the guest asked for and is ignored.
    /// </summary>
    public static DecodedInstruction* SfenceVma(Hart h, HartState* s, DecodedInstruction* d)
    {
        if (s->Mode == 0 || (s->Mode == 1 && (s->Mstatus & Mstatus.Tvm) != 0))
        {
            h.RaiseIllegal((uint)d->Imm);
            return &s->Redirect;
        }

        // Flushing ends the block (the page being executed is forgotten), so the slot returned here is never run.
        s->Pc += 4;
        if (d->Rs1 != 0)
        {
            h.FlushTlbAddress(s->X[d->Rs1]);
        }
        else
        {
            h.FlushTlb();
        }

        return &s->Redirect;
    }

    /// <summary>FENCE.I: stores already invalidate decoded pages, so only the page being executed must be re-checked.</summary>
    /// <summary>
    /// PAUSE (Zihintpause): a spin-wait hint. Architecturally a FENCE that orders nothing; here it also counts toward the
    /// hart's spin detection (<see cref="Hart.NoteSpinHint"/>), so a guest spinning on a lock gives its worker back.
    /// </summary>
    public static DecodedInstruction* Pause(Hart h, HartState* s, DecodedInstruction* d)
    {
        h.NoteSpinHint();
        return Hart.Next4(s, d);
    }

    public static DecodedInstruction* FenceI(Hart h, HartState* s, DecodedInstruction* d)
    {
        s->Pc += 4;
        h.InvalidateFetch();
        return &s->Redirect;
    }

    public static DecodedInstruction* CsrRw(Hart h, HartState* s, DecodedInstruction* d) => Csr(h, s, d, CsrWrite, immediate: false);

    public static DecodedInstruction* CsrRs(Hart h, HartState* s, DecodedInstruction* d) => Csr(h, s, d, CsrSet, immediate: false);

    public static DecodedInstruction* CsrRc(Hart h, HartState* s, DecodedInstruction* d) => Csr(h, s, d, CsrClear, immediate: false);

    public static DecodedInstruction* CsrRwi(Hart h, HartState* s, DecodedInstruction* d) => Csr(h, s, d, CsrWrite, immediate: true);

    public static DecodedInstruction* CsrRsi(Hart h, HartState* s, DecodedInstruction* d) => Csr(h, s, d, CsrSet, immediate: true);

    public static DecodedInstruction* CsrRci(Hart h, HartState* s, DecodedInstruction* d) => Csr(h, s, d, CsrClear, immediate: true);

    private static DecodedInstruction* Csr(Hart h, HartState* s, DecodedInstruction* d, int kind, bool immediate)
    {
        int csr = d->Imm;
        ulong operand = immediate ? d->Rs1 : s->X[d->Rs1];
        bool write = kind == CsrWrite || d->Rs1 != 0;
        if (!h.CsrAccessible(csr, write) || !h.TryReadCsr(csr, out ulong old))
        {
            h.RaiseIllegal(CsrBits(d, kind, immediate));
            return &s->Redirect;
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
