using Vireo.Core.Interrupts;

namespace Vireo.Cpu;

/// <summary>
/// One RISC-V hart as the machine sees it. <see cref="Run"/> executes on the hart's own host thread; the members
/// documented as thread-safe may be called from other harts' threads (IPIs, HSM, remote fences) and devices.
/// </summary>
public interface IHart : IHartInterruptPins
{
    /// <summary>Program counter. Only while the hart is not running, or from its own thread (SBI handler).</summary>
    ulong Pc { get; set; }

    /// <summary>Current privilege mode. Same threading rule as <see cref="Pc"/>.</summary>
    PrivilegeMode Mode { get; set; }

    /// <summary>Reads integer register x<paramref name="index"/> (x0 reads 0).</summary>
    ulong GetRegister(int index);

    /// <summary>Writes integer register x<paramref name="index"/> (writes to x0 are ignored).</summary>
    void SetRegister(int index, ulong value);

    /// <summary>Reads a CSR with no privilege check (firmware, debugger). Unknown CSRs read 0.</summary>
    ulong ReadCsr(int address);

    /// <summary>Writes a CSR with no privilege check, honouring its writable-bit mask.</summary>
    void WriteCsr(int address, ulong value);

    /// <summary>Run state (thread-safe).</summary>
    HartRunState RunState { get; }

    /// <summary>4 KiB guest pages whose decoded instructions the hart caches now (thread-safe, may lag; for memory accounting).</summary>
    int DecodedPageCount => 0;

    /// <summary>Instructions retired so far (thread-safe, may lag by one block).</summary>
    ulong InstructionsRetired { get; }

    /// <summary>
    /// Executes guest instructions on the calling thread until <see cref="RequestExit"/>. Blocks (without spinning)
    /// while the hart is <see cref="HartRunState.Stopped"/> or waiting in WFI with nothing pending.
    /// </summary>
    void Run();

    /// <summary>Makes <see cref="Run"/> return soon (thread-safe). Guest instructions already begun complete.</summary>
    void RequestExit();

    /// <summary>
    /// Executes guest instructions on the calling thread (any thread, one at a time) until
    /// <paramref name="endTimestamp"/> (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>) passes or the hart
    /// cannot go on, and returns why, at a block boundary. Never blocks: a WFI with nothing pending returns
    /// <see cref="HartSliceResult.Waiting"/>, a stopped hart <see cref="HartSliceResult.Stopped"/>.
    /// </summary>
    HartSliceResult RunSlice(long endTimestamp);

    /// <summary>
    /// After <see cref="HartSliceResult.Waiting"/>: the guest time (<see cref="Vireo.Core.Timing.MachineClock"/> ticks) at
    /// which a timer compare ends the wait; <see cref="ulong.MaxValue"/> when none is armed.
    /// </summary>
    ulong WaitDeadline { get; }

    /// <summary>
    /// Called (from any thread) whenever something may end a wait: an interrupt line or IPI, a timer compare write, an HSM
    /// start, an exit request. The scheduler sets it before the first <see cref="RunSlice"/>; it must be cheap and must not block.
    /// </summary>
    Action? WakeHandler { get; set; }

    /// <summary>Makes the current <see cref="RunSlice"/> return <see cref="HartSliceResult.SliceUsed"/> at the next block boundary (thread-safe).</summary>
    void RequestYield();

    /// <summary>
    /// SBI HSM hart_start (thread-safe): a stopped hart begins at <paramref name="startAddress"/> in
    /// <paramref name="mode"/> with a0 = hartid, a1 = <paramref name="opaque"/>, and translation off.
    /// </summary>
    /// <returns>False when the hart was not stopped.</returns>
    bool Start(ulong startAddress, ulong opaque, PrivilegeMode mode);

    /// <summary>SBI HSM hart_stop: from the hart's own thread, parks it in <see cref="HartRunState.Stopped"/>.</summary>
    void Stop();

    /// <summary>Puts the hart in reset state (M-mode, pc = reset vector) and, when <paramref name="stopped"/>, parks it.</summary>
    void Reset(bool stopped);

    /// <summary>Remote SFENCE.VMA (thread-safe): the hart drops its cached translations before its next instruction block.</summary>
    void RequestTlbFlush();

    /// <summary>Remote FENCE.I (thread-safe): the hart drops its decoded instructions before its next instruction block.</summary>
    void RequestInstructionCacheFlush();
}
