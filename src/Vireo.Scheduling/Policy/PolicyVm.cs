namespace Vireo.Scheduling.Policy;

/// <summary>One VM in the policy: its controls, its virtual time and its cap and reservation budgets.</summary>
internal sealed class PolicyVm
{
    public PolicyVm(int id, CpuControls controls, int vcpus, long now)
    {
        Id = id;
        Controls = controls;
        Vcpus = new PolicyVcpu[vcpus];
        for (int i = 0; i < vcpus; i++)
        {
            Vcpus[i] = new PolicyVcpu(this, i);
        }

        LastRefill = now;
        LastAccount = now;
    }

    public int Id { get; }

    public CpuControls Controls { get; set; }

    public PolicyVcpu[] Vcpus { get; }

    /// <summary>Runnable vCPUs in the order they became runnable.</summary>
    public List<PolicyVcpu> RunQueue { get; } = [];

    /// <summary>vCPUs on a worker now.</summary>
    public int Running { get; set; }

    public bool Paused { get; set; }

    /// <summary>Run time weighted by <see cref="CpuControls.DefaultWeight"/> / weight: the VM with the least runs next.</summary>
    public long VirtualTime { get; set; }

    /// <summary>Weighted time of the grants in flight, so concurrent picks see what is already promised.</summary>
    public long PendingVirtual { get; set; }

    /// <summary>Cap budget, ns of run time (grants are debited up front and corrected when they end).</summary>
    public long CapBudget { get; set; }

    /// <summary>Reservation owed, ns of run time: positive while the VM got less than its reservation.</summary>
    public long ReserveBudget { get; set; }

    public long LastRefill { get; set; }

    public long LastAccount { get; set; }

    public bool ThrottledAtLastAccount { get; set; }

    public long RunNs { get; set; }

    public long ThrottledNs { get; set; }

    public bool Active => RunQueue.Count > 0 || Running > 0;

    public long EffectiveVirtualTime => VirtualTime + PendingVirtual;
}
