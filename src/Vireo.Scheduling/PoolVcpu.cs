using Vireo.Cpu;
using Vireo.Scheduling.Policy;

namespace Vireo.Scheduling;

/// <summary>A hart as the pool runs it: the policy's view of it plus the wake-up handshake with the hart.</summary>
internal sealed class PoolVcpu
{
    private int _wakePending;

    public PoolVcpu(ScheduledVm vm, IHart hart, PolicyVcpu policy)
    {
        Vm = vm;
        Hart = hart;
        Policy = policy;
        policy.Owner = this;
    }

    public ScheduledVm Vm { get; }

    public IHart Hart { get; }

    public PolicyVcpu Policy { get; }

    /// <summary>Bumped at every park, so a timer armed for an earlier park is recognised as stale.</summary>
    public long ParkSequence { get; set; }

    /// <summary>Notes a wake-up (full fence); paired with <see cref="TakeWake"/> after a park so none is lost.</summary>
    public void NoteWake() => Interlocked.Exchange(ref _wakePending, 1);

    /// <summary>Takes a noted wake-up (full fence): true when one arrived since the last take.</summary>
    public bool TakeWake() => Interlocked.Exchange(ref _wakePending, 0) != 0;
}
