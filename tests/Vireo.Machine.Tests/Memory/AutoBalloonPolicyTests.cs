using Vireo.Machine.Memory;

namespace Vireo.Machine.Tests.Memory;

public sealed class AutoBalloonPolicyTests
{
    private const ulong MiB = 1 << 20;
    private static readonly AutoBalloonPolicy s_policy = new(4096 * MiB, pressureThreshold: 0.9, releaseThreshold: 0.75, guestHeadroomBytes: 64 * MiB);

    private static VmMemoryState Vm(string name, ulong availableMiB, bool idle, ulong balloonMiB = 0, ulong minMiB = 128, ulong maxMiB = 1024) =>
        new(name, 1024 * MiB, minMiB * MiB, maxMiB * MiB, balloonMiB * MiB, availableMiB * MiB, idle);

    [Fact]
    public void BetweenTheThresholdsNothingChanges()
    {
        VmMemoryState[] vms = [Vm("a", 500, idle: true, balloonMiB: 100), Vm("b", 500, idle: false)];
        Assert.Empty(s_policy.Decide(vms, 3500 * MiB)); // 85 %: above release (75 %), below pressure (90 %)
    }

    [Fact]
    public void UnderPressureIdleVmsGiveFirstAndOnlyWhatTheyHaveSpare()
    {
        VmMemoryState[] vms = [Vm("busy", 900, idle: false), Vm("idle", 300, idle: true), Vm("idle2", 100, idle: true)];

        // 4000 MiB used: reclaim to 75 % (3072 MiB) needs 928 MiB.
        IReadOnlyList<BalloonDecision> decisions = s_policy.Decide(vms, 4000 * MiB);

        // idle gives 300 - 64, idle2 100 - 64, and only the rest comes from the busy VM.
        Assert.Equal(236 * MiB, Target(decisions, "idle"));
        Assert.Equal(36 * MiB, Target(decisions, "idle2"));
        Assert.Equal((928 - 236 - 36) * MiB, Target(decisions, "busy"));
        Assert.All(decisions, d => Assert.Contains("inflating", d.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void ReclaimingNeverTakesAGuestBelowItsMinimum()
    {
        // 1024 MiB of RAM, memory.min 768 MiB: the balloon stops at 256 MiB, however much the guest has free.
        VmMemoryState[] vms = [Vm("a", 900, idle: true, balloonMiB: 200, minMiB: 768)];
        Assert.Equal(256 * MiB, Target(s_policy.Decide(vms, 4096 * MiB), "a"));

        // Without statistics nothing is known to be spare.
        VmMemoryState unknown = Vm("b", 0, idle: true) with { GuestAvailableBytes = null };
        Assert.Empty(s_policy.Decide([unknown], 4096 * MiB));
    }

    [Fact]
    public void WhenPressureGoesBalloonsDeflateBusyVmsFirstDownToTheirMaximum()
    {
        // memory.max 768 MiB keeps 256 MiB in a's balloon always.
        VmMemoryState[] vms = [Vm("a", 50, idle: true, balloonMiB: 500, maxMiB: 768), Vm("b", 50, idle: false, balloonMiB: 300)];

        // 2900 MiB used: 172 MiB below the release level, all of it to the busy VM.
        IReadOnlyList<BalloonDecision> some = s_policy.Decide(vms, 2900 * MiB);
        Assert.Equal(128 * MiB, Target(some, "b"));
        Assert.DoesNotContain(some, d => d.Name == "a");

        // Plenty of room: both deflate, a only to its floor.
        IReadOnlyList<BalloonDecision> all = s_policy.Decide(vms, 1000 * MiB);
        Assert.Equal(0UL, Target(all, "b"));
        Assert.Equal(256 * MiB, Target(all, "a"));
        Assert.All(all, d => Assert.Contains("deflating", d.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void TargetsOutsideMinAndMaxAreCorrectedAtAnyPressure()
    {
        VmMemoryState[] vms = [Vm("a", 500, idle: false, balloonMiB: 1000, minMiB: 256)];
        BalloonDecision decision = Assert.Single(s_policy.Decide(vms, 3500 * MiB));
        Assert.Equal(768 * MiB, decision.BalloonTargetBytes);
    }

    [Fact]
    public void BadThresholdsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AutoBalloonPolicy(MiB, pressureThreshold: 0.5, releaseThreshold: 0.7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AutoBalloonPolicy(0));
    }

    private static ulong Target(IReadOnlyList<BalloonDecision> decisions, string name) => Assert.Single(decisions, d => d.Name == name).BalloonTargetBytes;
}
