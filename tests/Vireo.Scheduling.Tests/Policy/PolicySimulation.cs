using Vireo.Scheduling.Policy;

namespace Vireo.Scheduling.Tests.Policy;

/// <summary>
/// A discrete-event simulation of the pool around a <see cref="SchedulingPolicy"/>: simulated workers run granted vCPUs
/// for their slice (plus the overshoot of finishing a block), sleepers park and are woken by simulated timers, and a
/// boosted wake-up preempts a running vCPU after one block, as the real pool does.
/// </summary>
internal sealed class PolicySimulation
{
    /// <summary>How long a hart runs past its slice end (the block in progress), and how long a preemption takes.</summary>
    public const long BlockNs = 20_000;

    private readonly List<SimulatedVcpu> _vcpus = [];
    private readonly (SimulatedVcpu? Vcpu, long EndsAt)[] _workers;

    public PolicySimulation(int workers, SchedulerOptions? options = null)
    {
        Policy = new SchedulingPolicy(workers, options);
        _workers = new (SimulatedVcpu?, long)[workers];
    }

    public SchedulingPolicy Policy { get; }

    public long Now { get; private set; }

    /// <summary>Adds a VM of CPU-bound vCPUs (or sleepers with the given burst and sleep) and starts them.</summary>
    public PolicyVm AddVm(CpuControls controls, int vcpus = 1, long burstNs = long.MaxValue, long sleepNs = 0)
    {
        PolicyVm vm = Policy.AddVm(controls, vcpus, Now);
        foreach (PolicyVcpu vcpu in vm.Vcpus)
        {
            var simulated = new SimulatedVcpu(vcpu, burstNs, sleepNs);
            vcpu.Owner = simulated;
            _vcpus.Add(simulated);
            Policy.MakeRunnable(vcpu, Now, woken: false);
        }

        return vm;
    }

    public SimulatedVcpu Simulated(PolicyVcpu vcpu) => (SimulatedVcpu)vcpu.Owner!;

    /// <summary>Runs the simulation until <paramref name="until"/> (ns).</summary>
    public void RunUntil(long until)
    {
        while (Now < until)
        {
            long retryAt = FillIdleWorkers();
            long next = Math.Min(until, retryAt);
            foreach ((SimulatedVcpu? vcpu, long endsAt) in _workers)
            {
                if (vcpu is not null)
                {
                    next = Math.Min(next, endsAt);
                }
            }

            foreach (SimulatedVcpu vcpu in _vcpus)
            {
                next = Math.Min(next, vcpu.WakeAt);
            }

            Now = Math.Max(next, Now);
            EndSlices();
            WakeSleepers();
        }
    }

    private long FillIdleWorkers()
    {
        long retryAt = long.MaxValue;
        for (int i = 0; i < _workers.Length; i++)
        {
            if (_workers[i].Vcpu is not null)
            {
                continue;
            }

            if (!Policy.TryPick(Now, out PolicyVcpu? picked, out long slice, out long retry))
            {
                retryAt = Math.Min(retryAt, retry);
                continue;
            }

            SimulatedVcpu simulated = Simulated(picked!);
            if (simulated.WokenAt >= 0)
            {
                simulated.WakeLatencies.Add(Now - simulated.WokenAt);
                simulated.WokenAt = -1;
            }

            long run = simulated.CpuBound ? slice + BlockNs : Math.Min(slice + BlockNs, simulated.BurstLeft);
            _workers[i] = (simulated, Now + run);
        }

        return retryAt;
    }

    private void EndSlices()
    {
        for (int i = 0; i < _workers.Length; i++)
        {
            (SimulatedVcpu? vcpu, long endsAt) = _workers[i];
            if (vcpu is null || endsAt > Now)
            {
                continue;
            }

            _workers[i] = (null, 0);
            long ran = Now - vcpu.Vcpu.GrantStart;
            if (!vcpu.CpuBound)
            {
                vcpu.BurstLeft -= ran;
                if (vcpu.BurstLeft <= 0)
                {
                    Policy.Charge(vcpu.Vcpu, Now, VcpuState.Parked);
                    vcpu.BurstLeft = vcpu.BurstNs;
                    vcpu.WakeAt = Now + vcpu.SleepNs;
                    continue;
                }
            }

            Policy.Charge(vcpu.Vcpu, Now, VcpuState.Runnable);
        }
    }

    private void WakeSleepers()
    {
        foreach (SimulatedVcpu vcpu in _vcpus)
        {
            if (vcpu.WakeAt > Now)
            {
                continue;
            }

            vcpu.WakeAt = long.MaxValue;
            vcpu.WokenAt = Now;
            if (Policy.MakeRunnable(vcpu.Vcpu, Now, woken: true) && vcpu.Vcpu.Boosted && !HasIdleWorker())
            {
                PolicyVcpu? victim = Policy.PreemptionVictim();
                if (victim is not null)
                {
                    int worker = Array.FindIndex(_workers, w => w.Vcpu?.Vcpu == victim);
                    _workers[worker] = (_workers[worker].Vcpu, Math.Min(_workers[worker].EndsAt, Now + BlockNs));
                }
            }
        }
    }

    private bool HasIdleWorker() => Array.Exists(_workers, w => w.Vcpu is null);
}
