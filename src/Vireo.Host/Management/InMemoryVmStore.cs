using Vireo.Host.Lifecycle;
using Vireo.Host.Specs;

namespace Vireo.Host.Management;

/// <summary>A store that forgets everything with the process (tests, a daemon run without a state directory).</summary>
public sealed class InMemoryVmStore : IVmStore
{
    private readonly Lock _lock = new();
    private readonly List<VmRecord> _records = [];
    private readonly List<VmEvent> _events = [];

    /// <summary>Events appended so far.</summary>
    public IReadOnlyList<VmEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<VmRecord> Load()
    {
        lock (_lock)
        {
            return [.. _records];
        }
    }

    public bool Insert(VmRecord record)
    {
        lock (_lock)
        {
            if (_records.Exists(r => r.Spec.Name == record.Spec.Name))
            {
                return false;
            }

            _records.Add(record);
            return true;
        }
    }

    public void UpdateSpec(string name, VmSpec spec) => Change(name, r => r with { Spec = spec });

    public void SetDesired(string name, VmDesiredState desired) => Change(name, r => r with { Desired = desired });

    public void SetObserved(string name, VmState state, VmExit? exit) => Change(name, r => r with { Observed = state, LastExit = exit ?? r.LastExit });

    public void Delete(string name)
    {
        lock (_lock)
        {
            _records.RemoveAll(r => r.Spec.Name == name);
        }
    }

    public void AppendEvent(VmEvent e)
    {
        lock (_lock)
        {
            _events.Add(e);
        }
    }

    private void Change(string name, Func<VmRecord, VmRecord> change)
    {
        lock (_lock)
        {
            int index = _records.FindIndex(r => r.Spec.Name == name);
            if (index >= 0)
            {
                _records[index] = change(_records[index]);
            }
        }
    }
}
