using Vireo.Core.Interrupts;
using Vireo.Cpu.Jit;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

/// <summary>
/// WFI on a running hart (its own thread, as in a VM) wakes for every interrupt source enabled in mie, at every
/// privilege level, with or without Sstc and the built-in SBI, on both engines: taken as a trap when the mode's
/// global enable allows it, else resuming after the WFI.
/// </summary>
public sealed class WfiWakeTests
{
    private const ulong Base = TestMachine.RamBase;
    private const ulong MVector = Base + 0x1000;
    private const ulong SVector = Base + 0x2000;
    private const int Mstatus = 0x300;
    private const int Mie = 0x304;
    private const int Mideleg = 0x303;
    private const int Menvcfg = 0x30A;
    private const int Stimecmp = 0x14D;
    private const int Mcause = 0x342;
    private const int Scause = 0x142;

    public enum Source
    {
        MachineTimer,
        MachineSoftware,
        MachineExternal,
        SupervisorTimerSstc,
        SupervisorSoftware,
        SupervisorExternal,
    }

    public static TheoryData<Source, PrivilegeMode, bool, bool, bool> Cases()
    {
        var data = new TheoryData<Source, PrivilegeMode, bool, bool, bool>();
        foreach (Source source in Enum.GetValues<Source>())
        {
            foreach (PrivilegeMode mode in new[] { PrivilegeMode.Machine, PrivilegeMode.Supervisor })
            {
                foreach (bool enabled in new[] { true, false })
                {
                    foreach (bool builtIn in new[] { false, true })
                    {
                        // The built-in SBI runs the guest in S-mode only.
                        if (builtIn && mode == PrivilegeMode.Machine)
                        {
                            continue;
                        }

                        foreach (bool jit in new[] { false, true })
                        {
                            data.Add(source, mode, enabled, builtIn, jit);
                        }
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Wfi_wakes_for_an_enabled_interrupt(Source source, PrivilegeMode mode, bool globallyEnabled, bool builtInSbi, bool jit)
    {
        JitOptions? options = jit ? new JitOptions { Threshold = 0, Synchronous = true } : null;
        using var m = new TestMachine(builtInSbi ? new NoCalls() : null, jit: options);
        m.AllowAllPhysicalMemory();
        var hart = m.Hart;
        bool supervisorSource = source >= Source.SupervisorTimerSstc;
        ulong bit = source switch
        {
            Source.MachineTimer => MipBits.Mtip,
            Source.MachineSoftware => MipBits.Msip,
            Source.MachineExternal => MipBits.Meip,
            Source.SupervisorTimerSstc => MipBits.Stip,
            Source.SupervisorSoftware => MipBits.Ssip,
            _ => MipBits.Seip,
        };
        ulong cause = source switch
        {
            Source.MachineTimer => 7,
            Source.MachineSoftware => 3,
            Source.MachineExternal => 11,
            Source.SupervisorTimerSstc => 5,
            Source.SupervisorSoftware => 1,
            _ => 9,
        };

        hart.WriteCsr(0x305, MVector);
        hart.WriteCsr(0x105, SVector);
        hart.WriteCsr(Mideleg, supervisorSource ? bit : 0);
        hart.WriteCsr(Mie, bit);
        hart.WriteCsr(Menvcfg, 1UL << 63);
        hart.WriteCsr(Stimecmp, ulong.MaxValue);
        hart.TimerCompare = ulong.MaxValue;

        // Who may take the trap: M-level sources always interrupt S-mode; an S-level one never interrupts M-mode.
        bool taken = mode == PrivilegeMode.Supervisor
            ? !supervisorSource || globallyEnabled
            : !supervisorSource && globallyEnabled;
        if (globallyEnabled)
        {
            hart.WriteCsr(Mstatus, mode == PrivilegeMode.Machine ? 1UL << 3 : 1UL << 1);
        }

        // x5 = 1 when the WFI resumed without a trap; x6 = 1 in either handler.
        m.Load(Base, Wfi, Addi(5, 0, 1), Jal(0, 0));
        m.Load(MVector, Addi(6, 0, 1), Jal(0, 0));
        m.Load(SVector, Addi(6, 0, 1), Jal(0, 0));
        hart.Pc = Base;
        hart.Mode = mode;

        var thread = new Thread(hart.Run);
        thread.Start();
        try
        {
            Assert.True(SpinWait.SpinUntil(() => hart.IsWaitingForInterrupt && hart.RunState == HartRunState.Waiting, TimeSpan.FromSeconds(5)), "the hart never parked in WFI");
            Raise(m, source);
            bool woke = SpinWait.SpinUntil(() => m.X(taken ? 6 : 5) == 1, TimeSpan.FromSeconds(5));
            Assert.True(woke, $"WFI did not wake for {source} in {mode} (pc {hart.Pc:x}, mip {hart.ReadCsr(0x344):x})");
        }
        finally
        {
            hart.RequestExit();
            thread.Join();
        }

        if (taken)
        {
            bool toSupervisor = supervisorSource;
            Assert.Equal((1UL << 63) | cause, hart.ReadCsr(toSupervisor ? Scause : Mcause));
        }
    }

    /// <summary>Raises <paramref name="source"/> from outside the hart's thread, as the CLINT, PLIC, SBI or clock would.</summary>
    private static void Raise(TestMachine m, Source source)
    {
        switch (source)
        {
            case Source.MachineTimer:
                // mtimecmp armed in the future, then the clock passes it while the hart sleeps.
                m.Hart.TimerCompare = m.Clock.Now + 1000;
                Thread.Sleep(20);
                m.Time.Advance(2000);
                break;
            case Source.SupervisorTimerSstc:
                m.Hart.WriteCsr(Stimecmp, m.Clock.Now + 1000);
                Thread.Sleep(20);
                m.Time.Advance(2000);
                break;
            case Source.MachineSoftware:
                m.Hart.SetPending(MipBits.Msip, true);
                break;
            case Source.MachineExternal:
                m.Hart.SetPending(MipBits.Meip, true);
                break;
            case Source.SupervisorSoftware:
                m.Hart.SetPending(MipBits.Ssip, true);
                break;
            default:
                m.Hart.SetPending(MipBits.Seip, true);
                break;
        }
    }

    private sealed class NoCalls : ISupervisorCallHandler
    {
        public void HandleEcall(IHart hart)
        {
        }
    }
}
