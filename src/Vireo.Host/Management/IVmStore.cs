using Vireo.Host.Lifecycle;
using Vireo.Host.Specs;

namespace Vireo.Host.Management;

/// <summary>
/// Where the manager keeps VMs across daemon restarts. Every call is one transaction: a daemon killed at any moment
/// finds each VM either fully written or not at all.
/// </summary>
public interface IVmStore
{
    /// <summary>Every VM, in creation order.</summary>
    IReadOnlyList<VmRecord> Load();

    /// <summary>Adds a VM; false when the name is taken.</summary>
    bool Insert(VmRecord record);

    /// <summary>Replaces a VM's spec.</summary>
    void UpdateSpec(string name, VmSpec spec);

    /// <summary>Records what the owner wants.</summary>
    void SetDesired(string name, VmDesiredState desired);

    /// <summary>Records the state last seen and, when a run ended, its exit.</summary>
    void SetObserved(string name, VmState state, VmExit? exit);

    /// <summary>Removes a VM (its events stay).</summary>
    void Delete(string name);

    /// <summary>Appends to the event log.</summary>
    void AppendEvent(VmEvent e);
}
