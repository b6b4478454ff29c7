using System.Diagnostics;
using Vireo.Core.Timing;
using Vireo.Cpu;
using Vireo.Scheduling.Policy;

namespace Vireo.Scheduling;

/// <summary>
/// A bounded pool of host worker threads that runs the harts of every VM registered with it (M:N), by the
/// <see cref="SchedulingPolicy"/>: weights, caps, reservations and a wake-up boost. One per process is the intent (the
/// daemon's, or <c>vireo run</c>'s own); it is an ordinary object, so tests make their own.
/// </summary>
/// <remarks>
/// A worker takes the policy's pick, runs the hart with <see cref="IHart.RunSlice"/> outside the lock, and reports the
/// result under the lock. A hart in WFI or stopped by HSM is parked: it is on no worker and no run queue until its wake
/// handler (an interrupt line, an IPI, a timer compare write, an HSM start, an exit request) or its WFI deadline (the
/// pool's one timer thread) makes it runnable, boosted. A boosted vCPU with no free worker asks the policy's victim to
/// yield, which it does at its next block boundary. Workers do not spin: an idle worker blocks until there is work.
/// </remarks>
public sealed class VcpuPool : IDisposable
{
    [ThreadStatic]
    private static VcpuPool? s_workerOf;

    private readonly object _gate = new();
    private readonly SchedulingPolicy _policy;
    private readonly Thread[] _workers;
    private readonly PoolTimer _timer;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private int _idleWorkers;
    private bool _disposed;

    /// <summary>Starts <paramref name="workers"/> worker threads (0: one per host core).</summary>
    public VcpuPool(int workers = 0, SchedulerOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        if (workers == 0)
        {
            workers = Environment.ProcessorCount;
        }

        Options = options ?? new SchedulerOptions();
        _policy = new SchedulingPolicy(workers, Options);
        _timer = new PoolTimer(OnTimer);
        _workers = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"vireo vcpu worker {i}" };
            _workers[i].Start();
        }
    }

    /// <summary>Number of worker threads.</summary>
    public int WorkerCount => _workers.Length;

    /// <summary>The tunables the pool runs with.</summary>
    public SchedulerOptions Options { get; }

    /// <summary>True on one of this pool's worker threads (where a hart's code, SBI calls included, runs).</summary>
    public bool IsWorkerThread => s_workerOf == this;

    /// <summary>
    /// Registers a VM's harts (none runs until <see cref="ScheduledVm.Start"/>); throws
    /// <see cref="SchedulerAdmissionException"/> with a one-line reason when the controls are invalid or the reservation
    /// cannot be met. <paramref name="clock"/> is the VM's guest clock (WFI deadlines are in its ticks).
    /// <paramref name="fault"/> is called (on a worker, outside the pool's lock) when a hart throws.
    /// </summary>
    public ScheduledVm Register(string name, IReadOnlyList<IHart> harts, MachineClock clock, CpuControls controls, Action<int, Exception>? fault = null)
    {
        ArgumentNullException.ThrowIfNull(harts);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(controls);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            PolicyVm policyVm = _policy.AddVm(controls, harts.Count, Now());
            var vm = new ScheduledVm(this, name, policyVm, clock, fault);
            var vcpus = new PoolVcpu[harts.Count];
            for (int i = 0; i < harts.Count; i++)
            {
                PoolVcpu vcpu = new(vm, harts[i], policyVm.Vcpus[i]);
                vcpus[i] = vcpu;
                harts[i].WakeHandler = () => Wake(vcpu);
            }

            vm.Attach(vcpus);
            return vm;
        }
    }

    /// <summary>Stops the workers and the timer. Every VM must have exited.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Monitor.PulseAll(_gate);
        }

        foreach (Thread worker in _workers)
        {
            worker.Join();
        }

        _timer.Dispose();
    }

    internal object Gate => _gate;

    internal SchedulingPolicy Policy => _policy;

    /// <summary>The policy clock: nanoseconds since the pool started.</summary>
    internal long Now()
    {
        long ticks = Stopwatch.GetTimestamp() - _origin;
        return (long)((UInt128)(ulong)ticks * 1_000_000_000 / (ulong)Stopwatch.Frequency);
    }

    /// <summary>Makes a vCPU runnable (start or wake-up) and finds it a worker; under <see cref="Gate"/>.</summary>
    internal void MakeRunnableLocked(PoolVcpu vcpu, bool woken)
    {
        if (vcpu.Vm.IsDisposedLocked || !_policy.MakeRunnable(vcpu.Policy, Now(), woken))
        {
            return;
        }

        if (_idleWorkers > 0)
        {
            Monitor.PulseAll(_gate);
        }
        else if (vcpu.Policy.Boosted && !vcpu.Vm.IsPausedLocked)
        {
            PolicyVcpu? victim = _policy.PreemptionVictim();
            ((PoolVcpu?)victim?.Owner)?.Hart.RequestYield();
        }
    }

    /// <summary>The hart's wake handler: any thread, possibly holding device locks, so it only takes the pool's lock when the hart is parked.</summary>
    private void Wake(PoolVcpu vcpu)
    {
        vcpu.NoteWake();
        if (vcpu.Policy.State != VcpuState.Parked)
        {
            // Running or runnable: the worker that parks it next sees the noted wake-up.
            return;
        }

        lock (_gate)
        {
            if (vcpu.Policy.State == VcpuState.Parked && vcpu.TakeWake())
            {
                MakeRunnableLocked(vcpu, woken: true);
            }
        }
    }

    private void OnTimer(PoolVcpu vcpu, long sequence)
    {
        lock (_gate)
        {
            if (vcpu.Policy.State == VcpuState.Parked && vcpu.ParkSequence == sequence)
            {
                MakeRunnableLocked(vcpu, woken: true);
            }
        }
    }

    private void WorkerLoop()
    {
        s_workerOf = this;
        while (true)
        {
            PoolVcpu vcpu;
            long slice;
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    long now = Now();
                    if (_policy.TryPick(now, out PolicyVcpu? picked, out slice, out long retryAt))
                    {
                        vcpu = (PoolVcpu)picked!.Owner!;
                        break;
                    }

                    int waitMs = retryAt == long.MaxValue ? Timeout.Infinite : (int)Math.Clamp(((retryAt - now) / 1_000_000) + 1, 1, 1000);
                    _idleWorkers++;
                    Monitor.Wait(_gate, waitMs);
                    _idleWorkers--;
                }

                // Wake-ups noted before the slice are seen by the hart itself (its requests and pending bits).
                vcpu.TakeWake();
            }

            long end = Stopwatch.GetTimestamp() + (slice * Stopwatch.Frequency / 1_000_000_000);
            HartSliceResult result;
            Exception? fault = null;
            try
            {
                result = vcpu.Hart.RunSlice(end);
            }
            catch (Exception e)
            {
                // A host-side bug in one hart must not take the pool (or other VMs) down: the hart's run ends.
                fault = e;
                result = HartSliceResult.ExitRequested;
            }

            lock (_gate)
            {
                Complete(vcpu, result);
            }

            if (fault is not null)
            {
                vcpu.Vm.ReportFault(vcpu.Hart.HartId, fault);
            }
        }
    }

    private void Complete(PoolVcpu vcpu, HartSliceResult result)
    {
        long now = Now();
        PolicyVcpu policy = vcpu.Policy;
        switch (result)
        {
            case HartSliceResult.SliceUsed:
            case HartSliceResult.Spinning:
                _policy.Charge(policy, now, VcpuState.Runnable);
                break;
            case HartSliceResult.Waiting:
            case HartSliceResult.Stopped:
                _policy.Charge(policy, now, VcpuState.Parked);
                vcpu.ParkSequence++;
                if (vcpu.TakeWake())
                {
                    // A wake-up came while the hart was deciding to park: it may be the one it waits for.
                    MakeRunnableLocked(vcpu, woken: true);
                }
                else if (result == HartSliceResult.Waiting)
                {
                    ArmDeadline(vcpu);
                }

                break;
            default:
                _policy.Charge(policy, now, VcpuState.Idle);
                vcpu.Vm.NoteExitedLocked();
                break;
        }

        // Pause and exit waiters wait on the same monitor.
        if (vcpu.Vm.HasWaitersLocked)
        {
            Monitor.PulseAll(_gate);
        }
    }

    private void ArmDeadline(PoolVcpu vcpu)
    {
        ulong deadline = vcpu.Hart.WaitDeadline;
        TimeSpan until = deadline != ulong.MaxValue ? vcpu.Vm.Clock.Until(deadline) : TimeSpan.FromMilliseconds(100);

        // Bounded so a guest clock jump (mtime write, snapshot) cannot strand the hart, as the thread-per-hart wait is.
        if (until > TimeSpan.FromMilliseconds(100))
        {
            until = TimeSpan.FromMilliseconds(100);
        }

        long at = Stopwatch.GetTimestamp() + (long)(until.TotalSeconds * Stopwatch.Frequency);
        _timer.Arm(vcpu, vcpu.ParkSequence, at);
    }
}
