using Vireo.Core.Interrupts;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

public sealed class PrivilegedTests : IDisposable
{
    private const ulong Base = TestMachine.RamBase;
    private const ulong MVector = Base + 0x1000;
    private const ulong SVector = Base + 0x2000;
    private const int Mstatus = 0x300;
    private const int Mcause = 0x342;
    private const int Mtval = 0x343;
    private const int Mepc = 0x341;
    private const int Scause = 0x142;
    private const int Stval = 0x143;
    private const int Sepc = 0x141;
    private readonly TestMachine _m = new();

    public PrivilegedTests()
    {
        _m.Hart.WriteCsr(0x305, MVector);
        _m.Hart.WriteCsr(0x105, SVector);
        _m.AllowAllPhysicalMemory();
    }

    public void Dispose() => _m.Dispose();

    private void RunAt(PrivilegeMode mode, params uint[] code)
    {
        _m.Load(Base, code);
        _m.Hart.Pc = Base;
        _m.Hart.Mode = mode;
        _m.Step();
    }

    [Theory]
    [InlineData(PrivilegeMode.User, 8ul)]
    [InlineData(PrivilegeMode.Supervisor, 9ul)]
    [InlineData(PrivilegeMode.Machine, 11ul)]
    public void Ecall_traps_to_M_with_the_mode_specific_cause(PrivilegeMode mode, ulong cause)
    {
        RunAt(mode, Ecall);
        Assert.Equal(PrivilegeMode.Machine, _m.Hart.Mode);
        Assert.Equal(MVector, _m.Hart.Pc);
        Assert.Equal(cause, _m.Hart.ReadCsr(Mcause));
        Assert.Equal(Base, _m.Hart.ReadCsr(Mepc));
        Assert.Equal(0ul, _m.Hart.ReadCsr(Mtval));
        Assert.Equal((ulong)mode, (_m.Hart.ReadCsr(Mstatus) >> 11) & 3);
    }

    [Fact]
    public void Delegated_exceptions_go_to_S_and_record_previous_mode()
    {
        _m.Hart.WriteCsr(0x302, 1UL << 8);
        _m.Hart.WriteCsr(Mstatus, 1UL << 1); // SIE
        RunAt(PrivilegeMode.User, Ecall);
        Assert.Equal(PrivilegeMode.Supervisor, _m.Hart.Mode);
        Assert.Equal(SVector, _m.Hart.Pc);
        Assert.Equal(8ul, _m.Hart.ReadCsr(Scause));
        Assert.Equal(Base, _m.Hart.ReadCsr(Sepc));
        ulong status = _m.Hart.ReadCsr(Mstatus);
        Assert.Equal(0ul, status & (1UL << 8)); // SPP = U
        Assert.NotEqual(0ul, status & (1UL << 5)); // SPIE = old SIE
        Assert.Equal(0ul, status & (1UL << 1)); // SIE cleared
    }

    [Fact]
    public void Exceptions_from_M_are_never_delegated()
    {
        _m.Hart.WriteCsr(0x302, 0xB3FF);
        RunAt(PrivilegeMode.Machine, 0xFFFF_FFFF);
        Assert.Equal(PrivilegeMode.Machine, _m.Hart.Mode);
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
    }

    [Fact]
    public void Illegal_instruction_reports_the_bits_in_tval()
    {
        RunAt(PrivilegeMode.Machine, 0x0000_007F);
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        Assert.Equal(0x7Ful, _m.Hart.ReadCsr(Mtval));
    }

    [Fact]
    public void Ebreak_reports_the_pc_in_tval()
    {
        RunAt(PrivilegeMode.Machine, Ebreak);
        Assert.Equal(3ul, _m.Hart.ReadCsr(Mcause));
        Assert.Equal(Base, _m.Hart.ReadCsr(Mtval));
    }

    [Theory]
    [InlineData(PrivilegeMode.Supervisor, 0x300)] // mstatus from S
    [InlineData(PrivilegeMode.User, 0x100)] // sstatus from U
    [InlineData(PrivilegeMode.Machine, 0x7C0)] // unimplemented custom CSR
    [InlineData(PrivilegeMode.Machine, 0x3A1)] // pmpcfg1 does not exist on RV64
    public void Inaccessible_or_unknown_csrs_are_illegal(PrivilegeMode mode, int csr)
    {
        uint insn = Csrrs(5, csr, 0);
        RunAt(mode, insn);
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        Assert.Equal((ulong)insn, _m.Hart.ReadCsr(Mtval));
    }

    [Fact]
    public void Writing_a_read_only_csr_is_illegal_but_reading_it_is_not()
    {
        RunAt(PrivilegeMode.Machine, Csrrw(5, 0xF14, 1));
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        _m.Hart.SetRegister(5, 99);
        RunAt(PrivilegeMode.Machine, Csrrs(5, 0xF14, 0));
        Assert.Equal(0ul, _m.X(5));
        Assert.Equal(Base + 4, _m.Hart.Pc);
    }

    [Fact]
    public void Tvm_traps_satp_and_sfence_in_S()
    {
        _m.Hart.WriteCsr(Mstatus, 1UL << 20);
        RunAt(PrivilegeMode.Supervisor, Csrrs(5, 0x180, 0));
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        RunAt(PrivilegeMode.Supervisor, SfenceVma(0, 0));
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        Assert.Equal((ulong)SfenceVma(0, 0), _m.Hart.ReadCsr(Mtval));
    }

    [Fact]
    public void Tsr_traps_sret_and_tw_traps_wfi_in_S()
    {
        _m.Hart.WriteCsr(Mstatus, (1UL << 22) | (1UL << 21));
        RunAt(PrivilegeMode.Supervisor, Sret);
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        Assert.Equal((ulong)Sret, _m.Hart.ReadCsr(Mtval));
        RunAt(PrivilegeMode.Supervisor, Wfi);
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        RunAt(PrivilegeMode.Supervisor, Mret);
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
    }

    [Fact]
    public void Mret_restores_mode_and_interrupt_enable()
    {
        _m.Hart.WriteCsr(Mstatus, (1UL << 11) | (1UL << 7) | (1UL << 17)); // MPP=S, MPIE, MPRV
        _m.Hart.WriteCsr(Mepc, Base + 0x40);
        RunAt(PrivilegeMode.Machine, Mret);
        Assert.Equal(PrivilegeMode.Supervisor, _m.Hart.Mode);
        Assert.Equal(Base + 0x40, _m.Hart.Pc);
        ulong status = _m.Hart.ReadCsr(Mstatus);
        Assert.NotEqual(0ul, status & (1UL << 3)); // MIE = MPIE
        Assert.NotEqual(0ul, status & (1UL << 7)); // MPIE = 1
        Assert.Equal(0ul, (status >> 11) & 3); // MPP = U
        Assert.Equal(0ul, status & (1UL << 17)); // MPRV cleared when leaving M
    }

    [Fact]
    public void Sret_returns_to_U()
    {
        _m.Hart.WriteCsr(Mstatus, 1UL << 5); // SPIE, SPP = U
        _m.Hart.WriteCsr(Sepc, Base + 0x80);
        RunAt(PrivilegeMode.Supervisor, Sret);
        Assert.Equal(PrivilegeMode.User, _m.Hart.Mode);
        Assert.Equal(Base + 0x80, _m.Hart.Pc);
        Assert.NotEqual(0ul, _m.Hart.ReadCsr(Mstatus) & (1UL << 1));
    }

    [Fact]
    public void Counters_need_mcounteren_and_scounteren()
    {
        RunAt(PrivilegeMode.Supervisor, Csrrs(5, 0xC01, 0));
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        _m.Hart.WriteCsr(0x306, 2); // mcounteren.TM
        _m.Time.Advance(1234);
        RunAt(PrivilegeMode.Supervisor, Csrrs(5, 0xC01, 0));
        Assert.Equal(1234ul, _m.X(5));
        RunAt(PrivilegeMode.User, Csrrs(5, 0xC01, 0));
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        _m.Hart.WriteCsr(0x106, 2);
        _m.Hart.SetRegister(5, 0);
        RunAt(PrivilegeMode.User, Csrrs(5, 0xC01, 0));
        Assert.Equal(1234ul, _m.X(5));
    }

    [Fact]
    public void Csr_writable_masks()
    {
        IHart h = _m.Hart;
        h.WriteCsr(Mstatus, ulong.MaxValue);
        ulong status = h.ReadCsr(Mstatus);
        Assert.Equal(0x8000_000A_007E_79AAul, status); // SD, SXL=UXL=2, TSR..SIE; MPP kept legal (3)
        Assert.Equal(0x8000_0002_000C_6122ul, h.ReadCsr(0x100)); // sstatus view
        h.WriteCsr(Mstatus, 2UL << 11); // MPP=2 is not a mode: keeps the old value
        Assert.Equal(3ul, (h.ReadCsr(Mstatus) >> 11) & 3);
        h.WriteCsr(0x303, ulong.MaxValue);
        Assert.Equal(0x222ul, h.ReadCsr(0x303));
        h.WriteCsr(0x302, ulong.MaxValue);
        Assert.Equal(0xB3FFul, h.ReadCsr(0x302));
        h.WriteCsr(0x304, ulong.MaxValue);
        Assert.Equal(0xAAAul, h.ReadCsr(0x304));
        Assert.Equal(0x222ul, h.ReadCsr(0x104)); // sie = mie & mideleg
        h.WriteCsr(0x344, ulong.MaxValue);
        Assert.Equal(0x222ul, h.ReadCsr(0x344)); // mip: only SSIP, STIP, SEIP writable
        h.WriteCsr(0x344, 0);
        h.WriteCsr(0x144, ulong.MaxValue);
        Assert.Equal(0x2ul, h.ReadCsr(0x144)); // sip: only SSIP
        h.WriteCsr(0x305, Base | 1);
        h.WriteCsr(0x305, Base | 3);
        Assert.Equal(Base | 1, h.ReadCsr(0x305)); // mtvec mode >= 2 is reserved: the write is ignored (QEMU)
        h.WriteCsr(0x305, Base + 0x102);
        Assert.Equal(Base | 1, h.ReadCsr(0x305)); // a handler at 2 mod 4 is not rounded down into other code
        h.WriteCsr(0x105, Base + 0x200);
        h.WriteCsr(0x105, Base + 0x302);
        Assert.Equal(Base + 0x200, h.ReadCsr(0x105));
        h.WriteCsr(Mepc, Base | 3);
        Assert.Equal(Base | 2, h.ReadCsr(Mepc));
        Assert.Equal(0x8000_0000_0014_112Dul, h.ReadCsr(0x301)); // misa RV64IMAFDCSU
        Assert.Equal(0ul, h.ReadCsr(0xF11));
        h.WriteCsr(0x180, (8UL << 60) | (0xFFFFUL << 44) | 0x12345);
        Assert.Equal((8UL << 60) | (0xFFFFUL << 44) | 0x12345, h.ReadCsr(0x180));
        h.WriteCsr(0x180, 1UL << 60); // unsupported mode: ignored
        Assert.Equal((8UL << 60) | (0xFFFFUL << 44) | 0x12345, h.ReadCsr(0x180));
        h.WriteCsr(0x30A, ulong.MaxValue);
        Assert.Equal(0x8000_0000_0000_0001ul, h.ReadCsr(0x30A)); // menvcfg: STCE, FIOM
        h.WriteCsr(0x3A0, 0x8A02);
        Assert.Equal(0x8800ul, h.ReadCsr(0x3A0)); // W without R is reserved; entry 1 locked TOR stays
        h.WriteCsr(0x3A0, 0);
        Assert.Equal(0x8800ul, h.ReadCsr(0x3A0)); // locked entry keeps its config
    }

    [Fact]
    public void Fp_csrs_trap_when_fs_is_off_and_dirty_fs_when_written()
    {
        _m.Hart.WriteCsr(Mstatus, 0);
        RunAt(PrivilegeMode.Machine, Csrrs(5, 0x003, 0));
        Assert.Equal(2ul, _m.Hart.ReadCsr(Mcause));
        _m.Hart.WriteCsr(Mstatus, 1UL << 13); // FS = Initial
        _m.Hart.SetRegister(1, 0xFF);
        RunAt(PrivilegeMode.Machine, Csrrw(5, 0x003, 1));
        Assert.Equal(0xFFul, _m.Hart.ReadCsr(0x003));
        Assert.Equal(0x1Ful, _m.Hart.ReadCsr(0x001));
        Assert.Equal(7ul, _m.Hart.ReadCsr(0x002));
        ulong status = _m.Hart.ReadCsr(Mstatus);
        Assert.Equal(3ul, (status >> 13) & 3);
        Assert.NotEqual(0ul, status & (1UL << 63));
    }

    [Fact]
    public void Timer_interrupt_is_vectored_and_respects_mie()
    {
        _m.Hart.WriteCsr(0x305, MVector | 1);
        _m.Hart.WriteCsr(0x304, MipBits.Mtip);
        _m.Hart.TimerCompare = 100;
        _m.Load(Base, Nop, Nop, Nop);
        _m.Hart.Pc = Base;
        _m.Step(); // not yet due
        Assert.Equal(Base + 4, _m.Hart.Pc);
        _m.Time.Advance(100);
        _m.Step(); // due, but M-mode with MIE clear: not taken
        Assert.Equal(Base + 8, _m.Hart.Pc);
        Assert.NotEqual(0ul, _m.Hart.ReadCsr(0x344) & MipBits.Mtip);
        _m.Hart.WriteCsr(Mstatus, 1UL << 3);
        _m.Step();
        Assert.Equal(MVector + (4 * 7), _m.Hart.Pc);
        Assert.Equal((1UL << 63) | 7, _m.Hart.ReadCsr(Mcause));
        Assert.Equal(Base + 8, _m.Hart.ReadCsr(Mepc));
    }

    [Fact]
    public void Interrupts_follow_priority_and_delegation()
    {
        _m.Hart.WriteCsr(0x304, 0xAAA);
        _m.Hart.WriteCsr(0x303, 0x222);
        _m.Hart.SetPending(MipBits.Seip | MipBits.Msip, true);
        _m.Hart.WriteCsr(0x344, MipBits.Ssip);
        _m.Load(Base, Nop);
        _m.Hart.Pc = Base;
        _m.Hart.Mode = PrivilegeMode.Supervisor;
        _m.Step();
        Assert.Equal((1UL << 63) | 3, _m.Hart.ReadCsr(Mcause)); // MSI beats the delegated SEI
        Assert.Equal(PrivilegeMode.Machine, _m.Hart.Mode);
        _m.Hart.SetPending(MipBits.Msip, false);
        _m.Hart.Pc = Base;
        _m.Hart.Mode = PrivilegeMode.User;
        _m.Step();
        Assert.Equal(PrivilegeMode.Supervisor, _m.Hart.Mode);
        Assert.Equal((1UL << 63) | 9, _m.Hart.ReadCsr(Scause)); // SEI before SSI
        Assert.Equal(0x202ul, _m.Hart.ReadCsr(0x144)); // sip shows SEIP (PLIC line) and SSIP
    }

    [Fact]
    public void Sstc_drives_stip_from_stimecmp()
    {
        _m.Hart.WriteCsr(0x30A, 1UL << 63);
        _m.Hart.WriteCsr(0x14D, 50);
        Assert.Equal(0ul, _m.Hart.ReadCsr(0x344) & MipBits.Stip);
        _m.Time.Advance(60);
        _m.Hart.WriteCsr(0x14D, 55);
        Assert.NotEqual(0ul, _m.Hart.ReadCsr(0x344) & MipBits.Stip);
        _m.Hart.WriteCsr(0x14D, ulong.MaxValue);
        Assert.Equal(0ul, _m.Hart.ReadCsr(0x344) & MipBits.Stip);
    }

    [Fact]
    public void Pmp_denies_S_outside_regions_and_locked_entries_bind_M()
    {
        _m.Hart.WriteCsr(0x3A0, 0);
        _m.Hart.SetRegister(1, Base + 0x3000);
        RunAt(PrivilegeMode.Supervisor, Ld(5, 1, 0));
        Assert.Equal(1ul, _m.Hart.ReadCsr(Mcause)); // no entry matches: S cannot even fetch
        // NAPOT 4 KiB read-only at Base+0x3000, locked; TOR entry 2 gives the rest RWX.
        _m.Hart.WriteCsr(0x3B0, ((Base + 0x3000) >> 2) | 0x1FF);
        _m.Hart.WriteCsr(0x3B1, 0);
        _m.Hart.WriteCsr(0x3B2, ulong.MaxValue >> 10);
        _m.Hart.WriteCsr(0x3A0, 0x0F_00_99);
        RunAt(PrivilegeMode.Supervisor, Ld(5, 1, 0));
        Assert.Equal(Base + 4, _m.Hart.Pc);
        RunAt(PrivilegeMode.Machine, Sd(5, 1, 0));
        Assert.Equal(7ul, _m.Hart.ReadCsr(Mcause));
        Assert.Equal(Base + 0x3000, _m.Hart.ReadCsr(Mtval));
    }

    [Fact]
    public void Unmapped_physical_addresses_raise_access_faults()
    {
        _m.Hart.SetRegister(1, 0x4000_0000);
        RunAt(PrivilegeMode.Machine, Ld(5, 1, 8));
        Assert.Equal(5ul, _m.Hart.ReadCsr(Mcause));
        Assert.Equal(0x4000_0008ul, _m.Hart.ReadCsr(Mtval));
        RunAt(PrivilegeMode.Machine, Sd(5, 1, 0));
        Assert.Equal(7ul, _m.Hart.ReadCsr(Mcause));
        RunAt(PrivilegeMode.Machine, Jalr(0, 1, 0));
        _m.Step();
        Assert.Equal(1ul, _m.Hart.ReadCsr(Mcause));
        Assert.Equal(0x4000_0000ul, _m.Hart.ReadCsr(Mtval));
    }

    [Fact]
    public void Wfi_parks_until_an_interrupt_is_pending()
    {
        _m.Hart.WriteCsr(0x304, MipBits.Meip);
        _m.Load(Base, Wfi, Addi(5, 0, 1), Jal(0, 0));
        _m.Hart.Pc = Base;
        var thread = new Thread(_m.Hart.Run);
        thread.Start();
        Assert.True(SpinWait.SpinUntil(() => _m.Hart.RunState == HartRunState.Waiting, TimeSpan.FromSeconds(5)));
        Assert.Equal(0ul, _m.X(5));
        _m.Hart.SetPending(MipBits.Meip, true); // MIE is clear: WFI resumes without taking the trap
        Assert.True(SpinWait.SpinUntil(() => _m.X(5) == 1, TimeSpan.FromSeconds(5)));
        _m.Hart.RequestExit();
        thread.Join();
        Assert.Equal(HartRunState.Started, _m.Hart.RunState);
    }

    [Fact]
    public void Wfi_woken_soon_after_parking_is_caught_while_halt_polling()
    {
        _m.Hart.WriteCsr(0x304, MipBits.Meip);
        _m.Load(Base, Wfi, Addi(5, 5, 1), Jal(0, -8));
        _m.Hart.Pc = Base;
        var thread = new Thread(_m.Hart.Run);
        thread.Start();
        // Wake-ups microseconds after each WFI: the first ones block and open the window, later ones end the spin.
        for (int i = 0; i < 200; i++)
        {
            // Wake it only once it sits in WFI again (the level was still high for the WFIs run meanwhile).
            Assert.True(SpinWait.SpinUntil(() => _m.Hart.IsWaitingForInterrupt, TimeSpan.FromSeconds(5)));
            ulong before = _m.X(5);
            _m.Hart.SetPending(MipBits.Meip, true);
            bool resumed = SpinWait.SpinUntil(() => _m.X(5) > before, TimeSpan.FromSeconds(5));
            _m.Hart.SetPending(MipBits.Meip, false);
            Assert.True(resumed, $"the hart did not resume from WFI {i}");
        }

        _m.Hart.RequestExit();
        thread.Join();
        Assert.True(_m.Hart.HaltPolling.Blocked > 0);
        Assert.True(_m.Hart.HaltPolling.Polled > 0, $"no WFI ended while spinning ({_m.Hart.HaltPolling.Blocked} blocked)");
    }

    [Fact]
    public void A_late_exit_request_does_not_end_the_run_after_a_reset()
    {
        // The machine asks every hart to exit when the guest resets, possibly after a hart's Run already returned.
        _m.Load(Base, Addi(5, 5, 1), Jal(0, -4));
        _m.Hart.Pc = Base;
        _m.Hart.RequestExit();
        _m.Hart.Run();
        _m.Hart.RequestExit();

        _m.Hart.Reset(stopped: false);
        _m.Load(Base, Addi(5, 5, 1), Jal(0, -4));
        _m.Hart.Pc = Base;
        var thread = new Thread(_m.Hart.Run);
        thread.Start();
        bool ran = SpinWait.SpinUntil(() => _m.X(5) > 100, TimeSpan.FromSeconds(10));
        _m.Hart.RequestExit();
        thread.Join();
        Assert.True(ran, "the hart did not run after the reset");
    }

    [Fact]
    public void A_trap_handler_that_faults_on_itself_is_reported_as_a_stuck_hart_once()
    {
        var reports = new List<string>();
        _m.Environment.HartStuck = (hart, description) => reports.Add($"{hart}: {description}");
        _m.Hart.WriteCsr(0x305, 0x4000_0000); // nothing is mapped there: every fetch of the handler faults
        _m.Load(Base, 0);
        RunAt(PrivilegeMode.Machine, 0); // illegal instruction, then fetch access faults at the handler forever
        _m.Step(250_000);
        Assert.Equal(["0: hart 0 is stuck in a double fault: its trap handler at 0x40000000 raises exception 1 on its first instruction"], reports);
    }

    [Fact]
    public void A_trap_loop_that_retires_instructions_is_not_a_double_fault()
    {
        bool reported = false;
        _m.Environment.HartStuck = (_, _) => reported = true;
        _m.Hart.WriteCsr(0x305, Base);
        RunAt(PrivilegeMode.Machine, Addi(5, 5, 1), 0); // the handler does work, then traps again
        _m.Step(300_000);
        Assert.False(reported);
        Assert.True(_m.X(5) > 100_000);
    }

    [Fact]
    public void Builtin_sbi_serves_S_mode_ecalls_and_delegates_like_kvm()
    {
        var calls = new RecordingSbi();
        using var m = new TestMachine(calls);
        Assert.Equal(0xB3FFul, m.Hart.ReadCsr(0x302));
        Assert.Equal(0x222ul, m.Hart.ReadCsr(0x303));
        m.Load(Base, Addi(17, 0, 0x10), Ecall, Addi(5, 10, 0));
        m.Hart.Pc = Base;
        m.Hart.Mode = PrivilegeMode.Supervisor;
        m.Step(3);
        Assert.Equal(1, calls.Count);
        Assert.Equal(42ul, m.X(5));
        Assert.Equal(PrivilegeMode.Supervisor, m.Hart.Mode);
        // S-mode can reach all of RAM although no firmware programmed PMP.
        m.Hart.SetRegister(1, Base + 0x10000);
        m.Load(Base + 12, Ld(6, 1, 0));
        m.Step();
        Assert.Equal(Base + 16, m.Hart.Pc);
        // The SBI timer: stimecmp drives STIP without the guest enabling Sstc.
        m.Hart.WriteCsr(0x14D, 0);
        Assert.NotEqual(0ul, m.Hart.ReadCsr(0x344) & MipBits.Stip);
    }

    private sealed class RecordingSbi : ISupervisorCallHandler
    {
        public int Count { get; private set; }

        public void HandleEcall(IHart hart)
        {
            Count++;
            hart.SetRegister(10, 42);
        }
    }
}
