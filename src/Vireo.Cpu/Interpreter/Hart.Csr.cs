using Vireo.Core.Interrupts;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>CSR storage, writable-bit masks and access rules.</summary>
internal sealed unsafe partial class Hart
{
    /// <summary>RV64 with A, C, D, F, I, M, S, U.</summary>
    internal const ulong Misa = (2UL << 62) | (1UL << 0) | (1UL << 2) | (1UL << 3) | (1UL << 5) | (1UL << 8) | (1UL << 12) | (1UL << 18) | (1UL << 20);

    /// <summary>Exceptions S-mode may handle: everything but ecall from M and the reserved codes.</summary>
    internal const ulong MedelegWritable = 0xB3FF;

    internal const ulong MidelegWritable = MipBits.Ssip | MipBits.Stip | MipBits.Seip;
    internal const ulong MieWritable = 0xAAA;
    private const ulong MenvcfgStce = 1UL << 63;
    private const ulong MenvcfgWritable = MenvcfgStce | 1;

    private ulong _medeleg;
    private ulong _mideleg;
    private ulong _mie;
    private ulong _mtvec;
    private ulong _stvec;
    private ulong _mscratch;
    private ulong _sscratch;
    private ulong _mepc;
    private ulong _sepc;
    private ulong _mcause;
    private ulong _scause;
    private ulong _mtval;
    private ulong _stval;
    private ulong _mcounteren;
    private ulong _scounteren;
    private ulong _menvcfg;
    private ulong _senvcfg;
    private ulong _satp;
    private ulong _stimecmp;
    private ulong _mcountinhibit;
    private ulong _cycleOffset;
    private ulong _instretOffset;

    /// <summary>MSIP, MTIP, SEIP and MEIP as driven by the CLINT and PLIC (any thread).</summary>
    private ulong _mipHardware;

    /// <summary>The software-writable SSIP, STIP and SEIP bits.</summary>
    private ulong _mipSoftware;

    /// <summary>MTIP and STIP computed by this hart from mtimecmp and stimecmp.</summary>
    private ulong _mipTimer;

    /// <summary>stimecmp drives STIP: the guest enabled Sstc, or the built-in SBI implements its timer with it.</summary>
    internal bool SstcActive => (_menvcfg & MenvcfgStce) != 0 || BuiltInFirmware;

    /// <summary>The effective mip.</summary>
    internal ulong Mip
    {
        get
        {
            ulong software = _mipSoftware;
            if (SstcActive)
            {
                software &= ~MipBits.Stip;
            }

            return Volatile.Read(ref _mipHardware) | software | _mipTimer;
        }
    }

    internal ulong Satp => _satp;

    /// <summary>
    /// What a counter write is relative to: a read counts the instruction doing it, and the write must be exactly what
    /// the next instruction's read returns (the writer does not count itself, the spec's "writes take effect after
    /// the writing instruction"), so inside a block that is the count one past <see cref="RetiredNow"/> (which
    /// already holds the writer). A write from outside a block (the host, tests) is what a host read returns.
    /// </summary>
    private ulong RetiredAtNextRead => RetiredNow + (State->BlockExecuted != 0 ? 1UL : 0UL);

    private void ResetCsrs()
    {
        _medeleg = 0;
        _mideleg = 0;
        _mie = 0;
        _mtvec = 0;
        _stvec = 0;
        _mscratch = 0;
        _sscratch = 0;
        _mepc = 0;
        _sepc = 0;
        _mcause = 0;
        _scause = 0;
        _mtval = 0;
        _stval = 0;
        _satp = 0;
        _stimecmp = ulong.MaxValue;
        _mcountinhibit = 0;
        _cycleOffset = 0;
        _instretOffset = 0;
        _mipSoftware = 0;
        _mipTimer = 0;
        _senvcfg = 0;
        _scounteren = 0;
        if (BuiltInFirmware)
        {
            // What a KVM guest sees: counters readable, Sstc usable.
            _menvcfg = MenvcfgStce;
            _mcounteren = 0xFFFF_FFFF;
        }
        else
        {
            _menvcfg = 0;
            _mcounteren = 0;
        }
    }

    public ulong ReadCsr(int address) => TryReadCsr(address, out ulong value) ? value : 0;

    public void WriteCsr(int address, ulong value) => TryWriteCsr(address, value);

    /// <summary>
    /// The privilege and state rules for a CSR instruction: the CSR's minimum privilege, read-only numbers,
    /// counter enables, TVM for satp, STCE for stimecmp and FS for the FP CSRs.
    /// </summary>
    internal bool CsrAccessible(int csr, bool write)
    {
        int mode = State->Mode;
        if (mode < ((csr >> 8) & 3))
        {
            return false;
        }

        if (write && (csr >> 10) == 3)
        {
            return false;
        }

        if (csr >= Csr.Cycle && csr <= Csr.HpmCounter31)
        {
            ulong bit = 1UL << (csr & 31);
            if (mode < 3 && (_mcounteren & bit) == 0)
            {
                return false;
            }

            return mode != 0 || (_scounteren & bit) != 0;
        }

        return csr switch
        {
            Csr.Satp => mode != 1 || (State->Mstatus & Mstatus.Tvm) == 0,
            Csr.Stimecmp => mode == 3 || ((_menvcfg & MenvcfgStce) != 0 && (_mcounteren & 2) != 0),
            Csr.Fflags or Csr.Frm or Csr.Fcsr => (State->Mstatus & Mstatus.Fs) != 0,
            _ => true,
        };
    }

    /// <summary>Reads a CSR without privilege checks. False for CSRs that do not exist.</summary>
    internal bool TryReadCsr(int csr, out ulong value)
    {
        HartState* s = State;
        value = 0;
        switch (csr)
        {
            case Csr.Fflags: value = s->Fcsr & 0x1F; return true;
            case Csr.Frm: value = (s->Fcsr >> 5) & 7; return true;
            case Csr.Fcsr: value = s->Fcsr & 0xFF; return true;
            case Csr.Cycle or Csr.Mcycle: value = RetiredNow + _cycleOffset; return true;
            case Csr.Instret or Csr.Minstret: value = RetiredNow + _instretOffset; return true;
            case Csr.Time: value = _clock.Now; return true;
            case >= Csr.HpmCounter3 and <= Csr.HpmCounter31: return true;
            case >= Csr.MhpmCounter3 and <= Csr.MhpmCounter31: return true;
            case >= Csr.MhpmEvent3 and <= Csr.MhpmEvent31: return true;
            case Csr.Sstatus: value = SstatusValue(s->Mstatus); return true;
            case Csr.Sie: value = _mie & _mideleg; return true;
            case Csr.Stvec: value = _stvec; return true;
            case Csr.Scounteren: value = _scounteren; return true;
            case Csr.Senvcfg: value = _senvcfg; return true;
            case Csr.Sscratch: value = _sscratch; return true;
            case Csr.Sepc: value = _sepc; return true;
            case Csr.Scause: value = _scause; return true;
            case Csr.Stval: value = _stval; return true;
            case Csr.Sip: value = Mip & _mideleg; return true;
            case Csr.Stimecmp: value = _stimecmp; return true;
            case Csr.Satp: value = _satp; return true;
            case Csr.Mvendorid or Csr.Marchid or Csr.Mimpid or Csr.Mconfigptr: return true;
            case Csr.Mhartid: value = (ulong)HartId; return true;
            case Csr.Mstatus: value = s->Mstatus; return true;
            case Csr.Misa: value = Misa; return true;
            case Csr.Medeleg: value = _medeleg; return true;
            case Csr.Mideleg: value = _mideleg; return true;
            case Csr.Mie: value = _mie; return true;
            case Csr.Mtvec: value = _mtvec; return true;
            case Csr.Mcounteren: value = _mcounteren; return true;
            case Csr.Menvcfg: value = _menvcfg; return true;
            case Csr.Mcountinhibit: value = _mcountinhibit; return true;
            case Csr.Mscratch: value = _mscratch; return true;
            case Csr.Mepc: value = _mepc; return true;
            case Csr.Mcause: value = _mcause; return true;
            case Csr.Mtval: value = _mtval; return true;
            case Csr.Mip: value = Mip; return true;

            // Debug triggers (Sdtrig) with none implemented: tselect reads 0 whatever was written, tdata1-3 read 0
            // (type 0: no trigger), tinfo reads 1, the debug spec's value when the selected trigger does not exist.
            case Csr.Tselect or Csr.Tdata1 or Csr.Tdata2 or Csr.Tdata3: return true;
            case Csr.Tinfo: value = 1; return true;
            case Csr.PmpCfg0: value = _pmp.ReadConfig(0); return true;
            case Csr.PmpCfg2: value = _pmp.ReadConfig(2); return true;
            case >= Csr.PmpAddr0 and <= Csr.PmpAddr15: value = _pmp.ReadAddress(csr - Csr.PmpAddr0); return true;
            default: return false;
        }
    }

    /// <summary>Writes a CSR without privilege checks, applying its writable mask and side effects. False for CSRs that do not exist.</summary>
    internal bool TryWriteCsr(int csr, ulong value)
    {
        HartState* s = State;
        switch (csr)
        {
            case Csr.Fflags:
                s->Fcsr = (s->Fcsr & ~0x1FUL) | (value & 0x1F);
                s->Mstatus |= Mstatus.FsDirty | Mstatus.Sd;
                return true;
            case Csr.Frm:
                s->Fcsr = (s->Fcsr & 0x1F) | ((value & 7) << 5);
                s->Mstatus |= Mstatus.FsDirty | Mstatus.Sd;
                return true;
            case Csr.Fcsr:
                s->Fcsr = value & 0xFF;
                s->Mstatus |= Mstatus.FsDirty | Mstatus.Sd;
                return true;
            case Csr.Mcycle: _cycleOffset = value - RetiredAtNextRead; return true;
            case Csr.Minstret: _instretOffset = value - RetiredAtNextRead; return true;
            case >= Csr.MhpmCounter3 and <= Csr.MhpmCounter31: return true;
            case >= Csr.MhpmEvent3 and <= Csr.MhpmEvent31: return true;
            case Csr.Cycle or Csr.Time or Csr.Instret: return true;
            case Csr.Tselect or Csr.Tdata1 or Csr.Tdata2 or Csr.Tdata3 or Csr.Tinfo: return true;
            case >= Csr.HpmCounter3 and <= Csr.HpmCounter31: return true;
            case Csr.Mvendorid or Csr.Marchid or Csr.Mimpid or Csr.Mconfigptr or Csr.Mhartid or Csr.Misa: return true;
            case Csr.Sstatus:
                WriteMstatus((s->Mstatus & ~Mstatus.SupervisorWritable) | (value & Mstatus.SupervisorWritable));
                return true;
            case Csr.Mstatus:
                WriteMstatus(value);
                return true;
            case Csr.Sie:
                _mie = (_mie & ~_mideleg) | (value & _mideleg & MidelegWritable);
                return true;
            case Csr.Mie:
                _mie = value & MieWritable;
                return true;
            case Csr.Sip:
                {
                    ulong mask = _mideleg & MipBits.Ssip;
                    WriteSoftwarePending(mask, value);
                    return true;
                }

            case Csr.Mip:
                {
                    ulong mask = MipBits.Ssip | MipBits.Seip | (SstcActive ? 0 : MipBits.Stip);
                    WriteSoftwarePending(mask, value);
                    return true;
                }

            // MODE is WARL and 2-3 are reserved: like QEMU, such a write leaves the register as it was. Clearing
            // bit 1 instead turned a handler address that is 2 mod 4 (a label after a compressed instruction) into
            // the instruction before it, so the trap ran into the interrupted loop (issue 19, a WFI that "never woke").
            case Csr.Stvec: _stvec = (value & 3) < 2 ? value : _stvec; return true;
            case Csr.Mtvec: _mtvec = (value & 3) < 2 ? value : _mtvec; return true;
            case Csr.Scounteren: _scounteren = value & 0xFFFF_FFFF; return true;
            case Csr.Mcounteren: _mcounteren = value & 0xFFFF_FFFF; return true;
            case Csr.Senvcfg: _senvcfg = value & 1; return true;
            case Csr.Menvcfg:
                _menvcfg = value & MenvcfgWritable;
                UpdateTimers();
                return true;
            case Csr.Sscratch: _sscratch = value; return true;
            case Csr.Mscratch: _mscratch = value; return true;
            case Csr.Sepc: _sepc = value & ~1UL; return true;
            case Csr.Mepc: _mepc = value & ~1UL; return true;
            case Csr.Scause: _scause = value; return true;
            case Csr.Mcause: _mcause = value; return true;
            case Csr.Stval: _stval = value; return true;
            case Csr.Mtval: _mtval = value; return true;
            case Csr.Stimecmp:
                _stimecmp = value;
                UpdateTimers();
                return true;
            case Csr.Satp:
                WriteSatp(value);
                return true;
            case Csr.Medeleg: _medeleg = value & MedelegWritable; return true;
            case Csr.Mideleg: _mideleg = value & MidelegWritable; return true;
            case Csr.Mcountinhibit: _mcountinhibit = value & 0xFFFF_FFFD; return true;
            case Csr.PmpCfg0:
                _pmp.WriteConfig(0, value);
                FlushTlb();
                return true;
            case Csr.PmpCfg2:
                _pmp.WriteConfig(2, value);
                FlushTlb();
                return true;
            case >= Csr.PmpAddr0 and <= Csr.PmpAddr15:
                _pmp.WriteAddress(csr - Csr.PmpAddr0, value);
                FlushTlb();
                return true;
            default:
                return false;
        }
    }

    private static ulong SstatusValue(ulong mstatus) => mstatus & Mstatus.SupervisorReadable;

    private void WriteSoftwarePending(ulong mask, ulong value)
    {
        ulong current;
        do
        {
            current = Volatile.Read(ref _mipSoftware);
        }
        while (Interlocked.CompareExchange(ref _mipSoftware, (current & ~mask) | (value & mask), current) != current);
    }

    private void WriteMstatus(ulong value)
    {
        HartState* s = State;
        ulong old = s->Mstatus;
        ulong next = (old & ~Mstatus.MachineWritable) | (value & Mstatus.MachineWritable);
        if (((next >> Mstatus.MppShift) & 3) == 2)
        {
            // MPP is WARL over the implemented modes; 2 (hypervisor) keeps the previous value.
            next = (next & ~Mstatus.Mpp) | (old & Mstatus.Mpp);
        }

        next &= ~Mstatus.Sd;
        if ((next & Mstatus.Fs) == Mstatus.FsDirty)
        {
            next |= Mstatus.Sd;
        }

        s->Mstatus = next | Mstatus.XlenBits;
        UpdateSalts();
    }

    private void WriteSatp(ulong value)
    {
        ulong mode = value >> 60;
        if (mode != 0 && mode != 8 && mode != 9 && mode != 10)
        {
            // Unsupported modes leave satp unchanged (WARL).
            return;
        }

        _satp = mode == 0 ? 0 : value;
        FlushTlb();
    }
}
