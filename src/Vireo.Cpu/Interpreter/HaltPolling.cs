using System.Diagnostics;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// Adaptive halt polling for one hart's WFI, as KVM's <c>halt_poll_ns</c>: before the hart thread blocks, it spins
/// for a short window watching for a wake-up. A guest waiting for I/O is woken by the completion interrupt a few
/// microseconds to a few hundred later; blocking and being woken costs two system calls and two context switches
/// each time, which on a virtualized host is the larger part of that wait.
/// </summary>
/// <remarks>
/// The window starts at zero and only grows while waits keep ending soon after it (a block that was woken within
/// <see cref="MaxWindowNs"/>); a longer wait or a timeout halves it. An idle guest (timer ticks milliseconds apart)
/// therefore never spins, and a busy-waiting one spins at most <see cref="MaxWindowNs"/> per WFI. Per hart, used only
/// on its thread.
/// </remarks>
internal sealed class HaltPolling
{
    /// <summary>Longest spin before blocking (KVM's default maximum is the same 200 µs).</summary>
    public const long MaxWindowNs = 200_000;

    /// <summary>First window after a short block.</summary>
    public const long StartWindowNs = 10_000;

    private static readonly long s_maxTicks = NsToTicks(MaxWindowNs);
    private static readonly long s_startTicks = NsToTicks(StartWindowNs);

    /// <summary>Current window in <see cref="Stopwatch"/> ticks (0: block at once).</summary>
    public long WindowTicks { get; private set; }

    /// <summary>WFIs that ended while spinning, and WFIs that blocked (diagnostics and tests).</summary>
    public long Polled { get; private set; }

    /// <inheritdoc cref="Polled"/>
    public long Blocked { get; private set; }

    /// <summary>The wait ended while spinning: the window was right, keep it.</summary>
    public void RecordPolled() => Polled++;

    /// <summary>
    /// The hart blocked after spinning; <paramref name="waitedTicks"/> is the whole wait (spin included) and
    /// <paramref name="woken"/> whether a wake-up (not the timeout) ended it.
    /// </summary>
    public void RecordBlocked(long waitedTicks, bool woken)
    {
        Blocked++;
        if (woken && waitedTicks <= s_maxTicks)
        {
            // A spin a little longer would have caught it.
            WindowTicks = WindowTicks == 0 ? s_startTicks : Math.Min(WindowTicks * 2, s_maxTicks);
        }
        else
        {
            WindowTicks /= 2;
            if (WindowTicks < s_startTicks)
            {
                WindowTicks = 0;
            }
        }
    }

    private static long NsToTicks(long ns) => ns * Stopwatch.Frequency / 1_000_000_000;
}
