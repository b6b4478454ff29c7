namespace Vireo.Machine.Memory;

/// <summary>
/// The daemon's auto-ballooning as a pure function: given every VM's state and the host memory in use, which balloon
/// targets to change. Above <see cref="PressureThreshold"/> of the host limit it reclaims down to
/// <see cref="ReleaseThreshold"/>, idle VMs first, each only from memory its guest has available beyond
/// <see cref="GuestHeadroomBytes"/> and never below its memory.min; below <see cref="ReleaseThreshold"/> it deflates
/// again, busy VMs first, as far as the room allows; in between it holds (hysteresis, so targets do not flap).
/// Targets are always kept within each VM's memory.min and memory.max.
/// </summary>
public sealed class AutoBalloonPolicy
{
    /// <summary>Creates the policy for a host limit of <paramref name="hostLimitBytes"/>.</summary>
    public AutoBalloonPolicy(ulong hostLimitBytes, double pressureThreshold = 0.9, double releaseThreshold = 0.75, ulong guestHeadroomBytes = 64UL << 20)
    {
        ArgumentOutOfRangeException.ThrowIfZero(hostLimitBytes);
        if (!(releaseThreshold > 0 && releaseThreshold < pressureThreshold && pressureThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(pressureThreshold), "thresholds must satisfy 0 < release < pressure <= 1");
        }

        HostLimitBytes = hostLimitBytes;
        PressureThreshold = pressureThreshold;
        ReleaseThreshold = releaseThreshold;
        GuestHeadroomBytes = guestHeadroomBytes;
    }

    /// <summary>Host memory the VMs may use together.</summary>
    public ulong HostLimitBytes { get; }

    /// <summary>Fraction of the limit above which memory is reclaimed.</summary>
    public double PressureThreshold { get; }

    /// <summary>Fraction of the limit reclaiming aims for, and below which balloons deflate again.</summary>
    public double ReleaseThreshold { get; }

    /// <summary>Available memory left to each guest when reclaiming from it.</summary>
    public ulong GuestHeadroomBytes { get; }

    /// <summary>The targets to change (VMs whose target stays are not listed).</summary>
    /// <param name="vms">Every VM.</param>
    /// <param name="hostUsedBytes">Host memory the VMs use now (the sum of their <see cref="GuestMemoryStats.TotalHostBytes"/>, or the daemon's RSS).</param>
    public IReadOnlyList<BalloonDecision> Decide(IReadOnlyList<VmMemoryState> vms, ulong hostUsedBytes)
    {
        ArgumentNullException.ThrowIfNull(vms);
        var targets = new Dictionary<string, (ulong Target, string Reason)>(StringComparer.Ordinal);
        foreach (VmMemoryState vm in vms)
        {
            ulong clamped = Math.Clamp(vm.BalloonTargetBytes, vm.SmallestBalloon, Math.Max(vm.SmallestBalloon, vm.LargestBalloon));
            if (clamped != vm.BalloonTargetBytes)
            {
                targets[vm.Name] = (clamped, $"{vm.Name}: balloon {Mib(vm.BalloonTargetBytes)} outside memory.min/max, now {Mib(clamped)}");
            }
        }

        ulong pressure = (ulong)(HostLimitBytes * PressureThreshold);
        ulong release = (ulong)(HostLimitBytes * ReleaseThreshold);
        if (hostUsedBytes > pressure)
        {
            Reclaim(vms, targets, hostUsedBytes - release, hostUsedBytes);
        }
        else if (hostUsedBytes < release)
        {
            Return(vms, targets, release - hostUsedBytes, hostUsedBytes);
        }

        var decisions = new List<BalloonDecision>();
        foreach (VmMemoryState vm in vms)
        {
            if (targets.TryGetValue(vm.Name, out (ulong Target, string Reason) change) && change.Target != vm.BalloonTargetBytes)
            {
                decisions.Add(new BalloonDecision(vm.Name, change.Target, change.Reason));
            }
        }

        return decisions;
    }

    private void Reclaim(IReadOnlyList<VmMemoryState> vms, Dictionary<string, (ulong Target, string Reason)> targets, ulong need, ulong used)
    {
        // Idle VMs first, then whoever has the most to give.
        VmMemoryState[] order = [.. vms];
        Array.Sort(order, static (a, b) => a.IsIdle != b.IsIdle ? (a.IsIdle ? -1 : 1) : Spare(b).CompareTo(Spare(a)));
        foreach (VmMemoryState vm in order)
        {
            if (need == 0)
            {
                break;
            }

            ulong current = targets.TryGetValue(vm.Name, out (ulong Target, string Reason) set) ? set.Target : vm.BalloonTargetBytes;
            ulong available = vm.GuestAvailableBytes ?? 0; // no statistics yet: nothing known to be spare
            ulong spare = available > GuestHeadroomBytes ? available - GuestHeadroomBytes : 0;
            ulong room = vm.LargestBalloon > current ? vm.LargestBalloon - current : 0;
            ulong take = Math.Min(Math.Min(spare, room), need) & ~4095UL;
            if (take == 0)
            {
                continue;
            }

            need -= Math.Min(need, take);
            targets[vm.Name] = (current + take, $"{vm.Name}: host at {Mib(used)} of {Mib(HostLimitBytes)} (over {PressureThreshold:P0}); inflating by {Mib(take)} of {Mib(available)} available{(vm.IsIdle ? " (idle)" : string.Empty)}");
        }
    }

    private static ulong Spare(VmMemoryState vm) => vm.GuestAvailableBytes ?? 0;

    private void Return(IReadOnlyList<VmMemoryState> vms, Dictionary<string, (ulong Target, string Reason)> targets, ulong room, ulong used)
    {
        // Busy VMs first: they are the ones likely to need it.
        VmMemoryState[] order = [.. vms];
        Array.Sort(order, static (a, b) => a.IsIdle != b.IsIdle ? (a.IsIdle ? 1 : -1) : string.CompareOrdinal(a.Name, b.Name));
        foreach (VmMemoryState vm in order)
        {
            if (room == 0)
            {
                break;
            }

            ulong current = targets.TryGetValue(vm.Name, out (ulong Target, string Reason) set) ? set.Target : vm.BalloonTargetBytes;
            ulong give = Math.Min(current - Math.Min(current, vm.SmallestBalloon), room) & ~4095UL;
            if (give == 0)
            {
                continue;
            }

            room -= give;
            targets[vm.Name] = (current - give, $"{vm.Name}: host at {Mib(used)} of {Mib(HostLimitBytes)} (under {ReleaseThreshold:P0}); deflating by {Mib(give)}");
        }
    }

    private static string Mib(ulong bytes) => $"{bytes >> 20} MiB";
}
