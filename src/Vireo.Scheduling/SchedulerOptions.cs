namespace Vireo.Scheduling;

/// <summary>The scheduler's tunables. The defaults are what the policy tests and the benchmarks were run with.</summary>
public sealed record SchedulerOptions
{
    /// <summary>
    /// A vCPU's time slice when others wait. 2 ms: long enough that a slice's switch (a return to the worker loop, a lock,
    /// a pick among the VMs) is noise against it, short enough that 8 VMs on one core each run every ~16 ms. Wake-up
    /// latency does not depend on it (a woken vCPU preempts, see <see cref="BoostSlice"/>).
    /// </summary>
    public TimeSpan Slice { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Slice of a vCPU boosted by a wake-up: it runs first, preempting a running one, for at most this long.</summary>
    public TimeSpan BoostSlice { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// How far ahead of the least-served active VM (in weighted run time) a VM may be and still get the wake-up boost:
    /// a VM that wakes often and runs long loses the boost before it can take more than its share.
    /// </summary>
    public TimeSpan BoostWindow { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Credit a VM keeps over the least-served one while it sleeps (as CFS's sleeper credit): it comes back slightly
    /// ahead, not with a backlog that would starve the others.
    /// </summary>
    public TimeSpan SleeperCredit { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Period over which a cap is enforced: a VM capped at c % runs at most c % of this in any such window (plus one block).</summary>
    public TimeSpan CapPeriod { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Window over which a reservation is owed: a VM below its reservation over this window runs before weights.</summary>
    public TimeSpan ReservationPeriod { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Shortest slice worth granting; a capped VM with less budget left waits for its refill.</summary>
    public TimeSpan MinGrant { get; init; } = TimeSpan.FromMicroseconds(100);

    /// <summary>Share of the pool that reservations may promise in total (the rest absorbs the engine's own overhead).</summary>
    public int ReservablePercent { get; init; } = 90;
}
