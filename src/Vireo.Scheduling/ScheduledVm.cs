using Vireo.Core.Timing;
using Vireo.Scheduling.Policy;

namespace Vireo.Scheduling;

/// <summary>
/// One VM's registration with a <see cref="VcpuPool"/>: start its harts, wait for their run to end, pause and resume
/// them, change its CPU controls live, read its CPU accounting. Thread-safe.
/// </summary>
public sealed class ScheduledVm : IDisposable
{
    private readonly VcpuPool _pool;
    private readonly PolicyVm _policy;
    private readonly Action<int, Exception>? _fault;
    private PoolVcpu[] _vcpus = [];
    private int _exited;
    private bool _started;
    private int _waiters;
    private bool _disposed;

    internal ScheduledVm(VcpuPool pool, string name, PolicyVm policy, MachineClock clock, Action<int, Exception>? fault)
    {
        _pool = pool;
        Name = name;
        _policy = policy;
        Clock = clock;
        _fault = fault;
    }

    /// <summary>The name given at registration (stats, logs).</summary>
    public string Name { get; }

    /// <summary>The VM's guest clock.</summary>
    public MachineClock Clock { get; }

    /// <summary>The controls in force.</summary>
    public CpuControls Controls
    {
        get
        {
            lock (_pool.Gate)
            {
                return _policy.Controls;
            }
        }
    }

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused
    {
        get
        {
            lock (_pool.Gate)
            {
                return _policy.Paused;
            }
        }
    }

    internal bool IsPausedLocked => _policy.Paused;

    internal bool HasWaitersLocked => _waiters > 0;

    internal bool IsDisposedLocked => _disposed;

    /// <summary>Changes the controls live; throws <see cref="SchedulerAdmissionException"/> (one line, nothing changed) when refused.</summary>
    public void UpdateControls(CpuControls controls)
    {
        ArgumentNullException.ThrowIfNull(controls);
        lock (_pool.Gate)
        {
            _pool.Policy.SetControls(_policy, controls, _pool.Now());
        }
    }

    /// <summary>Makes every hart runnable (after the machine has reset and loaded them); the run lasts until each one's exit is requested.</summary>
    public void Start()
    {
        lock (_pool.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started && _exited < _vcpus.Length)
            {
                throw new InvalidOperationException($"{Name}: started while its harts still run");
            }

            _started = true;
            _exited = 0;
            foreach (PoolVcpu vcpu in _vcpus)
            {
                vcpu.TakeWake();
                _pool.MakeRunnableLocked(vcpu, woken: false);
            }
        }
    }

    /// <summary>Waits until every hart's run has ended (each returned <see cref="Cpu.HartSliceResult.ExitRequested"/> or faulted).</summary>
    public void WaitUntilExited()
    {
        lock (_pool.Gate)
        {
            _waiters++;
            try
            {
                while (_started && _exited < _vcpus.Length)
                {
                    Monitor.Wait(_pool.Gate);
                }
            }
            finally
            {
                _waiters--;
            }
        }
    }

    /// <summary>
    /// Takes every hart off the workers at an instruction boundary (a block boundary) and keeps them off until
    /// <see cref="Resume"/>; returns once none runs. Wake-ups meanwhile are kept and served after the resume. Not from
    /// one of the pool's worker threads (a hart cannot wait for itself to stop).
    /// </summary>
    public void Pause()
    {
        if (_pool.IsWorkerThread)
        {
            throw new InvalidOperationException("a VM cannot be paused from a vCPU worker thread");
        }

        lock (_pool.Gate)
        {
            _pool.Policy.SetPaused(_policy, true, _pool.Now());
            foreach (PoolVcpu vcpu in _vcpus)
            {
                if (vcpu.Policy.State == VcpuState.Running)
                {
                    vcpu.Hart.RequestYield();
                }
            }

            _waiters++;
            try
            {
                while (_policy.Running > 0)
                {
                    Monitor.Wait(_pool.Gate);
                }
            }
            finally
            {
                _waiters--;
            }
        }
    }

    /// <summary>Lets the harts run again where they stopped.</summary>
    public void Resume()
    {
        lock (_pool.Gate)
        {
            _pool.Policy.SetPaused(_policy, false, _pool.Now());
            Monitor.PulseAll(_pool.Gate);
        }
    }

    /// <summary>A snapshot of the VM's CPU accounting (time in grants still running included).</summary>
    public VmCpuStats GetStats()
    {
        lock (_pool.Gate)
        {
            long now = _pool.Now();
            var vcpus = new VcpuStats[_vcpus.Length];
            long run = 0;
            long wait = 0;
            for (int i = 0; i < vcpus.Length; i++)
            {
                PolicyVcpu v = _vcpus[i].Policy;
                long vcpuRun = v.RunNs + SchedulingPolicy.InFlight(v, now);
                long vcpuWait = v.WaitNs + (v.State == VcpuState.Runnable && !_policy.Paused ? now - v.RunnableSince : 0);
                vcpus[i] = new VcpuStats(i, FromNs(vcpuRun), FromNs(vcpuWait), v.Wakeups, FromNs(v.MaxWaitNs));
                run += vcpuRun;
                wait += vcpuWait;
            }

            return new VmCpuStats(Name, _policy.Controls, FromNs(run), FromNs(wait), FromNs(_pool.Policy.ThrottledNs(_policy, now)), vcpus);
        }
    }

    /// <summary>Leaves the pool. The harts must have exited (or never started).</summary>
    public void Dispose()
    {
        lock (_pool.Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _pool.Policy.RemoveVm(_policy);
            foreach (PoolVcpu vcpu in _vcpus)
            {
                vcpu.Hart.WakeHandler = null;
            }
        }
    }

    internal void Attach(PoolVcpu[] vcpus) => _vcpus = vcpus;

    internal void NoteExitedLocked() => _exited++;

    internal void ReportFault(int hartId, Exception fault) => _fault?.Invoke(hartId, fault);

    private static TimeSpan FromNs(long ns) => TimeSpan.FromTicks(ns / 100);
}
