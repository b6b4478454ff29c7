using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// The scheduler's way of running a hart: <see cref="RunSlice"/> runs blocks on the calling worker thread and returns at
/// a block boundary with a typed reason, never blocking (see <see cref="HartSliceResult"/>). The checks between blocks
/// are the ones <see cref="Run"/> makes, plus one timestamp read per block for the slice end; nothing is added per
/// instruction.
/// </summary>
internal sealed unsafe partial class Hart
{
    /// <summary>
    /// Spin hints (<c>pause</c>, failed SCs) within one slice that make the slice end as <see cref="HartSliceResult.Spinning"/>.
    /// Linux's ticket-lock wait is a load, a compare and a <c>pause</c>: 64 of them are a few hundred guest instructions,
    /// a few microseconds here, the order of a pause-loop-exiting window on x86 (4096 cycles).
    /// </summary>
    internal const int SpinYieldThreshold = 64;

    private volatile bool _yieldRequested;
    private bool _inSlice;
    private int _spinHints;
    private ulong _waitDeadline = ulong.MaxValue;

    public Action? WakeHandler { get; set; }

    public ulong WaitDeadline => _waitDeadline;

    public void RequestYield()
    {
        _yieldRequested = true;
    }

    public HartSliceResult RunSlice(long endTimestamp)
    {
        _yieldRequested = false;
        _spinHints = 0;
        _inSlice = true;
        try
        {
            if (_runState == HartRunState.Waiting)
            {
                _runState = HartRunState.Started;
            }

            while (true)
            {
                if (_exitRequested)
                {
                    _exitRequested = false;
                    return HartSliceResult.ExitRequested;
                }

                if (_runState == HartRunState.Stopped)
                {
                    return HartSliceResult.Stopped;
                }

                if (Volatile.Read(ref _requests) != 0)
                {
                    ServiceRequests(Interlocked.Exchange(ref _requests, 0));
                }

                if (_retired >= _nextTimerCheck)
                {
                    UpdateTimers();
                }

                ulong pending = PendingAndEnabled();
                if (pending != 0)
                {
                    _waitingForInterrupt = false;
                    TryTakeInterrupt(pending);
                }
                else if (_waitingForInterrupt)
                {
                    if (ParkInWfi())
                    {
                        return HartSliceResult.Waiting;
                    }

                    // Not parked (a request came in, or a deadline passed): the slice end still holds.
                    if (Stopwatch.GetTimestamp() >= endTimestamp)
                    {
                        return HartSliceResult.SliceUsed;
                    }

                    continue;
                }

                RunBlock(BlockSize);
                _jit?.AfterBlock();
                if (_spinHints >= SpinYieldThreshold)
                {
                    return HartSliceResult.Spinning;
                }

                if (_yieldRequested || Stopwatch.GetTimestamp() >= endTimestamp)
                {
                    return HartSliceResult.SliceUsed;
                }
            }
        }
        finally
        {
            _inSlice = false;
        }
    }

    /// <summary>
    /// A WFI with nothing pending, in slice mode: true when the hart should park (its deadline is in
    /// <see cref="WaitDeadline"/>), false when a request arrived or the deadline already passed (the loop goes on).
    /// </summary>
    private bool ParkInWfi()
    {
        if (Volatile.Read(ref _requests) != 0 || _exitRequested)
        {
            return false;
        }

        // Only a timer whose interrupt is enabled can end the wait: a compare that passed with its enable off (a guest
        // that masked the timer and waits for something else) must not keep the hart from parking.
        ulong deadline = (_mie & Core.Interrupts.MipBits.Mtip) != 0 ? Volatile.Read(ref _timerCompare) : ulong.MaxValue;
        if (SstcActive && (_mie & Core.Interrupts.MipBits.Stip) != 0 && _stimecmp < deadline)
        {
            deadline = _stimecmp;
        }

        if (deadline <= _clock.Now)
        {
            UpdateTimers();
            return false;
        }

        // A wake-up posted after the check above still reaches the scheduler through the wake handler, which it
        // re-reads after parking the hart; so nothing is lost between this return and the park.
        _waitDeadline = deadline;
        _runState = HartRunState.Waiting;
        return true;
    }

    /// <summary>
    /// A spin hint from the guest (<c>pause</c>, a failed SC). Only counted in slice mode, where enough of them end the
    /// block and the slice, so the scheduler can run a sibling that may hold the lock. Rare path: out of line.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void NoteSpinHint()
    {
        if (_inSlice && ++_spinHints >= SpinYieldThreshold)
        {
            EndBlock();
        }
    }

    /// <summary>Wakes a blocked <see cref="Run"/> and tells the scheduler (if any) that the hart must run (HSM start, exit request).</summary>
    private void Wake()
    {
        _wake.Set();
        WakeHandler?.Invoke();
    }

    /// <summary>
    /// After an interrupt pin, IPI or request change: tells the scheduler only when that can end the hart's park. A
    /// stopped hart waits for HSM start whatever its pins do, and a hart in WFI for an interrupt pending and enabled
    /// (or a new timer deadline to park until): the PLIC drives every hart's external-interrupt pin on every source
    /// change, and waking each parked hart for that would make a busy console preempt the hart printing on it. A hart
    /// that is running or runnable is told always (the scheduler only notes it). Bits set before this check are seen
    /// by the check, so an interrupt that becomes pending is never missed.
    /// </summary>
    private void WakeScheduler(bool deadlineChanged)
    {
        Action? handler = WakeHandler;
        if (handler is null)
        {
            return;
        }

        HartRunState state = _runState;
        if (state == HartRunState.Stopped || (state == HartRunState.Waiting && !deadlineChanged && PendingAndEnabled() == 0))
        {
            return;
        }

        handler();
    }
}
