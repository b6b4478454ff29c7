using Vireo.Core.Bus;
using Vireo.Core.Memory;
using Vireo.Core.Timing;
using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu;

/// <summary>What the harts of one VM share: its physical bus and RAM, its clock and its firmware hooks.</summary>
public sealed class CpuEnvironment
{
    /// <summary>Creates the environment for the harts of one VM.</summary>
    public CpuEnvironment(PhysicalBus bus, MachineClock clock)
    {
        Bus = bus;
        Clock = clock;
    }

    /// <summary>The VM's physical address space.</summary>
    public PhysicalBus Bus { get; }

    /// <summary>The VM's RAM (also reachable as <c>Bus.Ram</c>).</summary>
    public GuestRam Ram => Bus.Ram;

    /// <summary>The VM's timebase, read by the <c>time</c> CSR and compared with mtimecmp / stimecmp.</summary>
    public MachineClock Clock { get; }

    /// <summary>Where a hart starts after reset, in M-mode.</summary>
    public ulong ResetVector { get; set; } = 0x8000_0000;

    /// <summary>
    /// When set, S-mode ecalls are served by host code (built-in SBI) instead of trapping to M-mode.
    /// Null when real M-mode firmware (OpenSBI) runs.
    /// </summary>
    public ISupervisorCallHandler? SupervisorCalls { get; set; }

    /// <summary>
    /// Called on a hart's thread when that hart can never make progress again: an exception whose trap handler
    /// faults on its own first instruction, over and over (a double fault). Arguments: the hart id and a one-line
    /// description. The machine should stop the VM with a failure; the hart itself keeps looping until told to exit.
    /// </summary>
    public Action<int, string>? HartStuck { get; set; }

    /// <summary>
    /// Whether a hart in WFI spins for a short, adaptive window before it blocks (see
    /// <see cref="Interpreter.HaltPolling"/>). Worth it while the host has a core to spare for the I/O threads whose
    /// completions end the wait; a machine with as many harts as host cores should turn it off, as a spinning hart
    /// would take the core those threads need.
    /// </summary>
    public bool HaltPolling { get; set; } = true;

    /// <summary>LR/SC reservations shared by the VM's harts.</summary>
    internal ReservationTable Reservations { get; } = new();

    /// <summary>Held across the read and write of an AMO on a device register, so such AMOs are atomic between harts.</summary>
    internal Lock DeviceAtomics { get; } = new();

    /// <summary>Where the harts' JITs (if any) queue regions to compile.</summary>
    internal Jit.JitCompileQueue JitQueue { get; } = new();
}
