using Vireo.Scheduling.Policy;

namespace Vireo.Scheduling.Tests.Policy;

public sealed class SchedulingPolicyTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void WeightsTwoToOneToOneShareOneCoreFiftyTwentyFiveTwentyFive()
    {
        var sim = new PolicySimulation(workers: 1);
        PolicyVm a = sim.AddVm(new CpuControls { Weight = 200 });
        PolicyVm b = sim.AddVm(new CpuControls { Weight = 100 });
        PolicyVm c = sim.AddVm(new CpuControls { Weight = 100 });

        sim.RunUntil(10 * Second);

        AssertShare(0.50, a.RunNs, 10 * Second, 0.02);
        AssertShare(0.25, b.RunNs, 10 * Second, 0.02);
        AssertShare(0.25, c.RunNs, 10 * Second, 0.02);
    }

    [Fact]
    public void CapOfThirtyPercentHoldsOnAnIdlePool()
    {
        var sim = new PolicySimulation(workers: 2);
        PolicyVm capped = sim.AddVm(new CpuControls { Cap = 30 }, vcpus: 2);

        sim.RunUntil(10 * Second);

        AssertShare(0.30, capped.RunNs, 10 * Second, 0.01);
        Assert.True(sim.Policy.ThrottledNs(capped, sim.Now) > 5 * Second, $"throttled {capped.ThrottledNs} ns");
    }

    [Fact]
    public void CapHoldsAgainstCompetitorsAndTheRestIsShared()
    {
        var sim = new PolicySimulation(workers: 1);
        PolicyVm capped = sim.AddVm(new CpuControls { Cap = 30, Weight = 10_000 });
        PolicyVm other = sim.AddVm(CpuControls.Default);

        sim.RunUntil(10 * Second);

        AssertShare(0.30, capped.RunNs, 10 * Second, 0.01);
        AssertShare(0.70, other.RunNs, 10 * Second, 0.02);
    }

    [Fact]
    public void ReservationOfFortyPercentIsMetWhileFiveOthersCompete()
    {
        var sim = new PolicySimulation(workers: 1);
        PolicyVm reserved = sim.AddVm(new CpuControls { Reservation = 40 });
        var others = new List<PolicyVm>();
        for (int i = 0; i < 5; i++)
        {
            others.Add(sim.AddVm(CpuControls.Default));
        }

        sim.RunUntil(10 * Second);

        AssertShare(0.40, reserved.RunNs, 10 * Second, 0.02);
        foreach (PolicyVm vm in others)
        {
            AssertShare(0.12, vm.RunNs, 10 * Second, 0.02);
        }
    }

    [Fact]
    public void ReservationIsAFloorNotAnAddition()
    {
        // With a weight share above its reservation, the reserved VM gets its weighted share, not share + reservation.
        var sim = new PolicySimulation(workers: 1);
        PolicyVm reserved = sim.AddVm(new CpuControls { Reservation = 20, Weight = 300 });
        PolicyVm other = sim.AddVm(CpuControls.Default);

        sim.RunUntil(10 * Second);

        AssertShare(0.75, reserved.RunNs, 10 * Second, 0.02);
        AssertShare(0.25, other.RunNs, 10 * Second, 0.02);
    }

    [Fact]
    public void SleeperIsNotStarvedAndItsWakeUpsAreBoosted()
    {
        var sim = new PolicySimulation(workers: 1);
        var hogs = new List<PolicyVm>();
        for (int i = 0; i < 4; i++)
        {
            hogs.Add(sim.AddVm(CpuControls.Default));
        }

        // 0.5 ms of work every 10 ms, like a timer tick or a packet: 5 % of a core, far below its fair 20 %.
        PolicyVm sleeper = sim.AddVm(CpuControls.Default, burstNs: 500_000, sleepNs: 10_000_000);

        sim.RunUntil(10 * Second);

        SimulatedVcpu vcpu = sim.Simulated(sleeper.Vcpus[0]);
        Assert.True(vcpu.WakeLatencies.Count > 900, $"{vcpu.WakeLatencies.Count} wake-ups");
        long p99 = Percentile(vcpu.WakeLatencies, 0.99);
        Assert.True(p99 <= 2 * PolicySimulation.BlockNs, $"p99 wake-up latency {p99} ns");
        AssertShare(0.5 / 10.5, sleeper.RunNs, 10 * Second, 0.005);
        foreach (PolicyVm hog in hogs)
        {
            AssertShare((1 - (0.5 / 10.5)) / 4, hog.RunNs, 10 * Second, 0.02);
        }
    }

    [Fact]
    public void FrequentWakerCannotTakeMoreThanItsShareThroughTheBoost()
    {
        // Wakes every 0.1 ms and then wants 5 ms: the boost would let it run first every time; the boost window stops it.
        var sim = new PolicySimulation(workers: 1);
        PolicyVm hog = sim.AddVm(CpuControls.Default);
        PolicyVm waker = sim.AddVm(CpuControls.Default, burstNs: 5_000_000, sleepNs: 100_000);

        sim.RunUntil(10 * Second);

        AssertShare(0.50, waker.RunNs, 10 * Second, 0.03);
        AssertShare(0.50, hog.RunNs, 10 * Second, 0.03);
    }

    [Fact]
    public void WeightsChangeLive()
    {
        var sim = new PolicySimulation(workers: 1);
        PolicyVm a = sim.AddVm(CpuControls.Default);
        PolicyVm b = sim.AddVm(CpuControls.Default);
        sim.RunUntil(5 * Second);
        AssertShare(0.5, a.RunNs, 5 * Second, 0.02);
        long aBefore = a.RunNs;
        long bBefore = b.RunNs;

        sim.Policy.SetControls(a, new CpuControls { Weight = 300 }, sim.Now);
        sim.RunUntil(10 * Second);

        AssertShare(0.75, a.RunNs - aBefore, 5 * Second, 0.02);
        AssertShare(0.25, b.RunNs - bBefore, 5 * Second, 0.02);
    }

    [Fact]
    public void EightEqualVmsOnTwoWorkersAreFair()
    {
        var sim = new PolicySimulation(workers: 2);
        var vms = new List<PolicyVm>();
        for (int i = 0; i < 8; i++)
        {
            vms.Add(sim.AddVm(CpuControls.Default));
        }

        sim.RunUntil(10 * Second);

        double sum = 0;
        double squares = 0;
        foreach (PolicyVm vm in vms)
        {
            sum += vm.RunNs;
            squares += (double)vm.RunNs * vm.RunNs;
            AssertShare(0.25, vm.RunNs, 10 * Second, 0.02);
        }

        double jain = sum * sum / (vms.Count * squares);
        Assert.True(jain >= 0.999, $"Jain's index {jain}");
    }

    [Fact]
    public void WorkConservingWhenTheHeavierVmCannotUseItsShare()
    {
        // Weight 1000 but one vCPU on two workers: it can use one core; the light VM gets the other.
        var sim = new PolicySimulation(workers: 2);
        PolicyVm heavy = sim.AddVm(new CpuControls { Weight = 1000 });
        PolicyVm light = sim.AddVm(new CpuControls { Weight = 1 }, vcpus: 2);

        sim.RunUntil(2 * Second);

        AssertShare(1.0, heavy.RunNs, 2 * Second, 0.02);
        AssertShare(1.0, light.RunNs, 2 * Second, 0.02);
    }

    [Fact]
    public void AdmissionRefusesReservationsThePoolCannotMeet()
    {
        var policy = new SchedulingPolicy(workers: 1);
        policy.AddVm(new CpuControls { Reservation = 60 }, 1, 0);

        var refused = Assert.Throws<SchedulerAdmissionException>(() => policy.AddVm(new CpuControls { Reservation = 40 }, 1, 0));

        Assert.Contains("60 %", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Single(policy.Vms);
        Assert.NotNull(policy.CheckAdmission(new CpuControls { Reservation = 150 }, 1, null));
        Assert.NotNull(policy.CheckAdmission(new CpuControls { Weight = 0 }, 1, null));
        Assert.NotNull(policy.CheckAdmission(new CpuControls { Cap = 20, Reservation = 30 }, 1, null));
        Assert.Null(policy.CheckAdmission(new CpuControls { Reservation = 30 }, 1, null));
    }

    [Fact]
    public void PausedVmIsNeverPicked()
    {
        var sim = new PolicySimulation(workers: 1);
        PolicyVm paused = sim.AddVm(CpuControls.Default);
        PolicyVm other = sim.AddVm(CpuControls.Default);
        sim.Policy.SetPaused(paused, true, sim.Now);

        sim.RunUntil(Second);

        Assert.Equal(0, paused.RunNs);
        AssertShare(1.0, other.RunNs, Second, 0.01);
    }

    [Fact]
    public void SpinnerGoesBehindItsSibling()
    {
        var policy = new SchedulingPolicy(workers: 1);
        PolicyVm vm = policy.AddVm(CpuControls.Default, 2, 0);
        policy.MakeRunnable(vm.Vcpus[0], 0, woken: false);
        policy.MakeRunnable(vm.Vcpus[1], 0, woken: false);

        Assert.True(policy.TryPick(0, out PolicyVcpu? first, out _, out _));
        policy.Charge(first!, 10_000, VcpuState.Runnable);
        Assert.True(policy.TryPick(10_000, out PolicyVcpu? second, out _, out _));

        Assert.Same(vm.Vcpus[0], first);
        Assert.Same(vm.Vcpus[1], second);
    }

    private static void AssertShare(double expected, long runNs, long totalNs, double tolerance)
    {
        double share = (double)runNs / totalNs;
        Assert.True(Math.Abs(share - expected) <= tolerance, $"share {share:F4}, expected {expected:F4} ± {tolerance}");
    }

    private static long Percentile(List<long> values, double fraction)
    {
        var sorted = new List<long>(values);
        sorted.Sort();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(fraction * sorted.Count) - 1)];
    }
}
