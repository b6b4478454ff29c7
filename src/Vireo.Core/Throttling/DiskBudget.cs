namespace Vireo.Core.Throttling;

/// <summary>
/// A host-wide disk budget (bytes and operations per second) for the disks of every VM in a process that live on one
/// host file system: each disk's <see cref="IoThrottle"/> joins it, and when they contend they share it by their
/// weights (<see cref="DiskLimitOptions.Weight"/>); a disk alone gets all of it. The daemon creates one per
/// <c>--disk-budget PATH=BPS,IOPS</c> (<see cref="DiskBudgetOptions"/>) and hands it to every disk under PATH.
/// </summary>
public sealed class DiskBudget : IDisposable
{
    /// <summary>Creates a budget of <paramref name="limits"/> on <paramref name="time"/> (the system clock by default).</summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    public DiskBudget(RateLimitOptions limits, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        Scheduler = new IoScheduler(limits, time ?? TimeProvider.System);
    }

    /// <summary>Creates the budget a parsed <c>--disk-budget</c> describes.</summary>
    public DiskBudget(DiskBudgetOptions options, TimeProvider? time = null)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Limits, time)
    {
        Options = options;
    }

    /// <summary>The option this budget came from, when it came from one.</summary>
    public DiskBudgetOptions? Options { get; }

    /// <summary>The budget in force.</summary>
    public RateLimitOptions? Limits => Scheduler.SharedLimits;

    internal IoScheduler Scheduler { get; }

    /// <summary>Changes the budget; any thread, effective at once.</summary>
    public void Update(RateLimitOptions limits) => Scheduler.UpdateShared(limits);

    /// <summary>Stops the budget's timer (disks still in it then wait forever: dispose them first).</summary>
    public void Dispose() => Scheduler.Dispose();
}
