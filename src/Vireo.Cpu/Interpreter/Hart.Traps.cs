using System.Runtime.CompilerServices;
using Vireo.Core.Interrupts;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Trap entry, interrupt selection and the xRET instructions. Traps are state changes, never host exceptions.</summary>
internal sealed unsafe partial class Hart
{
    /// <summary>Takes a synchronous exception for the instruction at pc.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void RaiseException(ulong cause, ulong tval) => TakeTrap(cause, tval, interrupt: false);

    /// <summary>Illegal instruction with the instruction bits in tval.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void RaiseIllegal(ulong bits) => TakeTrap(TrapCause.IllegalInstruction, bits, interrupt: false);

    /// <summary>Illegal instruction for the instruction at pc, re-reading its bits for tval (rare paths only).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void RaiseIllegalAtPc()
    {
        ulong pc = State->Pc;
        if (!FetchHalfword(pc, out ushort low))
        {
            return;
        }

        uint bits = low;
        if ((low & 3) == 3)
        {
            if (!FetchHalfword(pc + 2, out ushort high))
            {
                return;
            }

            bits |= (uint)high << 16;
        }

        RaiseIllegal(bits);
    }

    /// <summary>
    /// Consecutive exceptions whose handler is the faulting instruction itself (no instruction in between) before the
    /// hart is declared stuck. One is enough in practice; the margin lets another hart fix a page table first.
    /// </summary>
    private const ulong StuckTrapLimit = 100_000;

    private void TakeTrap(ulong cause, ulong tval, bool interrupt)
    {
        HartState* s = State;
        int mode = s->Mode;
        ulong pc = s->Pc;
        ulong delegation = interrupt ? _mideleg : _medeleg;
        ulong status = s->Mstatus;
        if (mode <= 1 && ((delegation >> (int)cause) & 1) != 0)
        {
            _scause = cause | (interrupt ? TrapCause.InterruptBit : 0);
            _sepc = pc;
            _stval = tval;
            status = (status & ~(Mstatus.Spie | Mstatus.Sie | Mstatus.Spp))
                | ((status & Mstatus.Sie) != 0 ? Mstatus.Spie : 0)
                | (mode == 1 ? Mstatus.Spp : 0);
            s->Mstatus = status;
            s->Pc = TrapTarget(_stvec, cause, interrupt);
            SetMode(1);
        }
        else
        {
            _mcause = cause | (interrupt ? TrapCause.InterruptBit : 0);
            _mepc = pc;
            _mtval = tval;
            status = (status & ~(Mstatus.Mpie | Mstatus.Mie | Mstatus.Mpp))
                | ((status & Mstatus.Mie) != 0 ? Mstatus.Mpie : 0)
                | ((ulong)mode << Mstatus.MppShift);
            s->Mstatus = status;
            s->Pc = TrapTarget(_mtvec, cause, interrupt);
            SetMode(3);
        }

        if (!interrupt && s->Pc == pc)
        {
            NoteSelfTargetedTrap(cause, pc);
        }
    }

    /// <summary>Counts exceptions that re-enter the instruction that raised them, to detect a double fault.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void NoteSelfTargetedTrap(ulong cause, ulong pc)
    {
        ulong retired = RetiredNow;

        // Each trip through the loop retires one (faulting) fetch; anything more means the hart made progress.
        _selfTraps = retired - _selfTrapRetired <= 1 ? _selfTraps + 1 : 1;
        _selfTrapRetired = retired;
        if (_selfTraps == StuckTrapLimit)
        {
            _environment.HartStuck?.Invoke(
                HartId,
                $"hart {HartId} is stuck in a double fault: its trap handler at 0x{pc:x} raises exception {cause} on its first instruction");
        }
    }

    private static ulong TrapTarget(ulong tvec, ulong cause, bool interrupt)
    {
        ulong target = tvec & ~3UL;
        if (interrupt && (tvec & 1) != 0)
        {
            target += 4 * cause;
        }

        return target;
    }

    /// <summary>Pending interrupts that would wake WFI (global enables ignored).</summary>
    private ulong PendingAndEnabled() => Mip & _mie;

    /// <summary>Takes the highest-priority interrupt among <paramref name="pending"/> that the current mode and enables allow.</summary>
    private bool TryTakeInterrupt(ulong pending)
    {
        HartState* s = State;
        int mode = s->Mode;
        ulong status = s->Mstatus;
        ulong machine = pending & ~_mideleg;
        ulong supervisor = pending & _mideleg;
        bool machineEnabled = mode < 3 || (status & Mstatus.Mie) != 0;
        bool supervisorEnabled = mode < 1 || (mode == 1 && (status & Mstatus.Sie) != 0);
        ulong takeable = (machineEnabled ? machine : 0) | (supervisorEnabled ? supervisor : 0);
        if (takeable == 0)
        {
            return false;
        }

        // M-destined interrupts first, each group in the architectural order MEI, MSI, MTI, SEI, SSI, STI.
        ulong group = (takeable & machine) != 0 ? takeable & machine : takeable;
        int cause = SelectInterrupt(group);
        TakeTrap((ulong)cause, 0, interrupt: true);
        return true;
    }

    private static int SelectInterrupt(ulong pending)
    {
        if ((pending & MipBits.Meip) != 0)
        {
            return 11;
        }

        if ((pending & MipBits.Msip) != 0)
        {
            return 3;
        }

        if ((pending & MipBits.Mtip) != 0)
        {
            return 7;
        }

        if ((pending & MipBits.Seip) != 0)
        {
            return 9;
        }

        if ((pending & MipBits.Ssip) != 0)
        {
            return 1;
        }

        return 5;
    }

    /// <summary>MRET: return to MPP with MIE = MPIE.</summary>
    internal void ExecuteMret(ulong bits)
    {
        HartState* s = State;
        if (s->Mode < 3)
        {
            RaiseIllegal(bits);
            return;
        }

        ulong status = s->Mstatus;
        int previous = (int)((status >> Mstatus.MppShift) & 3);
        status = (status & ~(Mstatus.Mie | Mstatus.Mpp)) | ((status & Mstatus.Mpie) != 0 ? Mstatus.Mie : 0) | Mstatus.Mpie;
        if (previous != 3)
        {
            status &= ~Mstatus.Mprv;
        }

        s->Mstatus = status;
        s->Pc = _mepc;
        SetMode(previous);
        EndBlock();
    }

    /// <summary>SRET: return to SPP with SIE = SPIE; traps in S-mode when TSR is set.</summary>
    internal void ExecuteSret(ulong bits)
    {
        HartState* s = State;
        if (s->Mode < 1 || (s->Mode == 1 && (s->Mstatus & Mstatus.Tsr) != 0))
        {
            RaiseIllegal(bits);
            return;
        }

        ulong status = s->Mstatus;
        int previous = (status & Mstatus.Spp) != 0 ? 1 : 0;
        status = (status & ~(Mstatus.Sie | Mstatus.Spp | Mstatus.Mprv)) | ((status & Mstatus.Spie) != 0 ? Mstatus.Sie : 0) | Mstatus.Spie;
        s->Mstatus = status;
        s->Pc = _sepc;
        SetMode(previous);
        EndBlock();
    }

    /// <summary>WFI: traps when TW forbids it below M (and always in U); otherwise parks until an interrupt is pending.</summary>
    internal void ExecuteWfi(ulong bits)
    {
        HartState* s = State;
        if (s->Mode == 0 || (s->Mode < 3 && (s->Mstatus & Mstatus.Tw) != 0))
        {
            RaiseIllegal(bits);
            return;
        }

        s->Pc += 4;
        _waitingForInterrupt = true;
        EndBlock();
    }

    /// <summary>ECALL: the built-in SBI serves S-mode calls in host code; everything else traps.</summary>
    internal void ExecuteEcall()
    {
        HartState* s = State;
        ISupervisorCallHandler? handler = _environment.SupervisorCalls;
        if (handler is not null && s->Mode == 1)
        {
            ulong pc = s->Pc;
            handler.HandleEcall(this);
            if (s->Pc == pc)
            {
                s->Pc = pc + 4;
            }

            EndBlock();
            return;
        }

        RaiseException(s->Mode switch
        {
            0 => TrapCause.EcallFromU,
            1 => TrapCause.EcallFromS,
            _ => TrapCause.EcallFromM,
        }, 0);
    }
}
