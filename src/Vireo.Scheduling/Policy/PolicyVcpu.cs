namespace Vireo.Scheduling.Policy;

/// <summary>One vCPU in the policy: its state and its accounting. Changed only under the policy's owner's lock.</summary>
internal sealed class PolicyVcpu(PolicyVm vm, int index)
{
    private int _state;

    public PolicyVm Vm { get; } = vm;

    public int Index { get; } = index;

    /// <summary>State; readable without the lock (the pool's wake-up fast path).</summary>
    public VcpuState State
    {
        get => (VcpuState)Volatile.Read(ref _state);
        set => Interlocked.Exchange(ref _state, (int)value);
    }

    /// <summary>Woken by an interrupt and not yet run: runs before other work.</summary>
    public bool Boosted { get; set; }

    /// <summary>The current grant came from the boost.</summary>
    public bool RunningBoosted { get; set; }

    /// <summary>When it last became runnable (policy clock, ns).</summary>
    public long RunnableSince { get; set; }

    /// <summary>When the current grant began.</summary>
    public long GrantStart { get; set; }

    /// <summary>Length of the current grant.</summary>
    public long GrantLength { get; set; }

    /// <summary>Weighted time the current grant added to the VM's pending virtual time.</summary>
    public long GrantVirtual { get; set; }

    /// <summary>Host CPU time run, ns.</summary>
    public long RunNs { get; set; }

    /// <summary>Time runnable but not running (run-queue wait, throttling included), ns.</summary>
    public long WaitNs { get; set; }

    /// <summary>Wake-ups from a park.</summary>
    public long Wakeups { get; set; }

    /// <summary>Longest wait from becoming runnable to running, ns (latency diagnostics).</summary>
    public long MaxWaitNs { get; set; }

    /// <summary>What the policy's owner attaches (the pool's vCPU).</summary>
    public object? Owner { get; set; }
}
