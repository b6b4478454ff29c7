namespace Vireo.Cpu;

/// <summary>Why <see cref="IHart.RunSlice"/> gave its worker thread back; the hart is always at an instruction boundary.</summary>
public enum HartSliceResult
{
    /// <summary>The slice's time ran out, or the scheduler asked for the worker back (<see cref="IHart.RequestYield"/>). Still runnable.</summary>
    SliceUsed = 0,

    /// <summary>In WFI with nothing pending: park until a wake-up (<see cref="IHart.WakeHandler"/>) or <see cref="IHart.WaitDeadline"/>.</summary>
    Waiting = 1,

    /// <summary>Stopped by SBI HSM (or parked at reset): park until <see cref="IHart.Start"/> wakes it.</summary>
    Stopped = 2,

    /// <summary><see cref="IHart.RequestExit"/> was called: the run is over.</summary>
    ExitRequested = 3,

    /// <summary>The guest is spinning (pause hints, failed SCs): still runnable, but a sibling (the lock holder) should run first.</summary>
    Spinning = 4,
}
