namespace Vireo.Scheduling.Policy;

/// <summary>
/// The scheduling policy, apart from threads and clocks so it can be tested against a simulated pool: which runnable
/// vCPU a free worker runs next, for how long, and what each run costs its VM. Not thread-safe; the owner (the pool, or
/// a test's simulation) holds one lock around every call. Time is the caller's, in nanoseconds.
/// </summary>
/// <remarks>
/// <para>Order of service at each pick, among VMs that are not paused and have a runnable vCPU:</para>
/// <list type="number">
/// <item>Cap: a VM whose cap budget (a token bucket refilled at cap % of one core, <see cref="SchedulerOptions.CapPeriod"/>
/// deep) is below <see cref="SchedulerOptions.MinGrant"/> is not eligible, even on an idle pool. A grant never exceeds
/// the budget and is debited up front, so concurrent vCPUs of one VM cannot overrun it either.</item>
/// <item>Boost: a vCPU woken by an interrupt runs first (for <see cref="SchedulerOptions.BoostSlice"/>), unless its VM is
/// more than <see cref="SchedulerOptions.BoostWindow"/> ahead of the least-served active VM (credit2 boosts a waking vCPU
/// only when it has more credit than the running one; this is the same guard in virtual time).</item>
/// <item>Reservation: a VM that got less than its reservation over <see cref="SchedulerOptions.ReservationPeriod"/>
/// (a second bucket, refilled at reservation %, drained by every run) runs next, the most owed first.</item>
/// <item>Weight: the VM with the least virtual time (run time × 100 / weight, plus what its grants in flight will add)
/// runs, as stride scheduling / CFS. A VM coming back from sleep is placed at most
/// <see cref="SchedulerOptions.SleeperCredit"/> behind the least-served active VM, so sleeping banks no credit.</item>
/// </list>
/// <para>Reserved time is charged to virtual time too, so a reservation is a floor (VMware semantics), not an addition:
/// a VM gets max(reservation, its weighted share).</para>
/// <para>Within a VM, vCPUs run in the order they became runnable, boosted ones first; a vCPU that gave up its slice
/// for spinning goes to the back, so a sibling (likely the lock holder) runs before it again.</para>
/// </remarks>
internal sealed class SchedulingPolicy
{
    private readonly List<PolicyVm> _vms = [];
    private readonly List<PolicyVcpu> _running = [];
    private readonly long _slice;
    private readonly long _boostSlice;
    private readonly long _boostWindow;
    private readonly long _sleeperCredit;
    private readonly long _capPeriod;
    private readonly long _reservationPeriod;
    private readonly long _minGrant;
    private readonly int _reservablePercent;
    private int _nextId;

    public SchedulingPolicy(int workers, SchedulerOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        options ??= new SchedulerOptions();
        Workers = workers;
        _slice = Ns(options.Slice);
        _boostSlice = Ns(options.BoostSlice);
        _boostWindow = Ns(options.BoostWindow);
        _sleeperCredit = Ns(options.SleeperCredit);
        _capPeriod = Ns(options.CapPeriod);
        _reservationPeriod = Ns(options.ReservationPeriod);
        _minGrant = Ns(options.MinGrant);
        _reservablePercent = options.ReservablePercent;
    }

    /// <summary>Worker threads the policy schedules onto (admission control counts them).</summary>
    public int Workers { get; }

    /// <summary>The VMs, in the order they were added.</summary>
    public IReadOnlyList<PolicyVm> Vms => _vms;

    /// <summary>vCPUs on a worker now.</summary>
    public IReadOnlyList<PolicyVcpu> RunningVcpus => _running;

    /// <summary>Runnable vCPUs waiting for a worker (paused VMs' included).</summary>
    public int RunnableCount { get; private set; }

    /// <summary>A one-line reason a VM with <paramref name="controls"/> cannot be admitted (or changed to them), or null.</summary>
    /// <param name="controls">The controls asked for.</param>
    /// <param name="vcpus">The VM's vCPU count.</param>
    /// <param name="existing">The VM being changed (its current reservation is not counted), or null for a new VM.</param>
    public string? CheckAdmission(CpuControls controls, int vcpus, PolicyVm? existing)
    {
        ArgumentNullException.ThrowIfNull(controls);
        string? invalid = controls.Check(vcpus);
        if (invalid is not null)
        {
            return invalid;
        }

        if (controls.Reservation == 0)
        {
            return null;
        }

        int reserved = 0;
        foreach (PolicyVm vm in _vms)
        {
            if (vm != existing)
            {
                reserved += vm.Controls.Reservation;
            }
        }

        int capacity = Workers * _reservablePercent;
        if (reserved + controls.Reservation > capacity)
        {
            return $"cpu reservation of {controls.Reservation} % cannot be met: {reserved} % of the {capacity} % reservable on {Workers} worker thread(s) is already reserved";
        }

        return null;
    }

    /// <summary>Adds a VM whose vCPUs are all idle; throws <see cref="SchedulerAdmissionException"/> when it cannot be admitted.</summary>
    public PolicyVm AddVm(CpuControls controls, int vcpus, long now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vcpus, 1);
        string? refusal = CheckAdmission(controls, vcpus, null);
        if (refusal is not null)
        {
            throw new SchedulerAdmissionException(refusal);
        }

        var vm = new PolicyVm(_nextId++, controls, vcpus, now)
        {
            VirtualTime = MinActiveVirtualTime(null) ?? 0,
        };
        vm.CapBudget = CapDepth(controls);
        vm.ReserveBudget = ReserveDepth(controls);
        _vms.Add(vm);
        return vm;
    }

    /// <summary>Removes a VM; its vCPUs must not be running.</summary>
    public void RemoveVm(PolicyVm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (vm.Running != 0)
        {
            throw new InvalidOperationException("a VM is removed from the scheduler while one of its vCPUs runs");
        }

        RunnableCount -= vm.RunQueue.Count;
        vm.RunQueue.Clear();
        _vms.Remove(vm);
    }

    /// <summary>Changes a VM's controls live; throws <see cref="SchedulerAdmissionException"/> (nothing changed) when refused.</summary>
    public void SetControls(PolicyVm vm, CpuControls controls, long now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        string? refusal = CheckAdmission(controls, vm.Vcpus.Length, vm);
        if (refusal is not null)
        {
            throw new SchedulerAdmissionException(refusal);
        }

        Refill(vm, now);
        vm.Controls = controls;
        vm.CapBudget = Math.Min(vm.CapBudget, CapDepth(controls));
        vm.ReserveBudget = Math.Min(vm.ReserveBudget, ReserveDepth(controls));
    }

    /// <summary>Pauses or resumes a VM: a paused VM's vCPUs are never picked (running ones finish their slice).</summary>
    public void SetPaused(PolicyVm vm, bool paused, long now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        Account(vm, now);
        vm.Paused = paused;
        if (!paused)
        {
            // A pause is not run-queue wait.
            foreach (PolicyVcpu vcpu in vm.RunQueue)
            {
                vcpu.RunnableSince = now;
            }
        }
    }

    /// <summary>
    /// Makes an idle or parked vCPU runnable (a start, or a wake-up when <paramref name="woken"/>); false when it was
    /// not idle or parked. True return and <see cref="PolicyVcpu.Boosted"/> set: it should preempt a running vCPU if
    /// no worker is free.
    /// </summary>
    public bool MakeRunnable(PolicyVcpu vcpu, long now, bool woken)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        VcpuState state = vcpu.State;
        if (state != VcpuState.Parked && state != VcpuState.Idle)
        {
            return false;
        }

        PolicyVm vm = vcpu.Vm;
        Account(vm, now);
        long? least = MinActiveVirtualTime(vm);
        if (!vm.Active && least is long floor)
        {
            vm.VirtualTime = Math.Max(vm.VirtualTime, floor - _sleeperCredit);
        }

        if (woken)
        {
            vcpu.Wakeups++;
            Refill(vm, now);
            bool capOk = vm.Controls.Cap == 0 || vm.CapBudget >= _minGrant;
            bool fairOk = least is not long lead || vm.EffectiveVirtualTime <= lead + _boostWindow;
            vcpu.Boosted = capOk && fairOk;
        }

        vcpu.State = VcpuState.Runnable;
        vcpu.RunnableSince = now;
        vm.RunQueue.Add(vcpu);
        RunnableCount++;
        Account(vm, now);
        return true;
    }

    /// <summary>
    /// Picks the vCPU a free worker runs next and marks it running; false when none is eligible, with
    /// <paramref name="retryAt"/> the time a throttled VM becomes eligible again (<see cref="long.MaxValue"/>: only a
    /// wake-up can change that).
    /// </summary>
    public bool TryPick(long now, out PolicyVcpu? picked, out long slice, out long retryAt)
    {
        picked = null;
        slice = 0;
        retryAt = long.MaxValue;
        PolicyVcpu? boosted = null;
        PolicyVm? reserved = null;
        PolicyVm? weighted = null;
        foreach (PolicyVm vm in _vms)
        {
            Refill(vm, now);
            Account(vm, now);
            if (vm.Paused || vm.RunQueue.Count == 0)
            {
                continue;
            }

            if (vm.Controls.Cap != 0 && vm.CapBudget < _minGrant)
            {
                long refillAt = now + ((_minGrant - vm.CapBudget) * 100 / vm.Controls.Cap) + 1;
                retryAt = Math.Min(retryAt, refillAt);
                continue;
            }

            foreach (PolicyVcpu vcpu in vm.RunQueue)
            {
                if (vcpu.Boosted && (boosted is null || vcpu.RunnableSince < boosted.RunnableSince))
                {
                    boosted = vcpu;
                }
            }

            if (vm.Controls.Reservation != 0 && vm.ReserveBudget > 0 && (reserved is null || vm.ReserveBudget > reserved.ReserveBudget))
            {
                reserved = vm;
            }

            if (weighted is null || vm.EffectiveVirtualTime < weighted.EffectiveVirtualTime)
            {
                weighted = vm;
            }
        }

        PolicyVcpu? chosen = boosted ?? FirstInQueue(reserved ?? weighted);
        if (chosen is null)
        {
            return false;
        }

        Grant(chosen, now, boosted is not null);
        picked = chosen;
        slice = chosen.GrantLength;
        return true;
    }

    /// <summary>
    /// The running vCPU to ask back for a boosted one when no worker is free: not itself boosted, from the VM furthest
    /// ahead in virtual time; null when none should be preempted.
    /// </summary>
    public PolicyVcpu? PreemptionVictim()
    {
        PolicyVcpu? victim = null;
        foreach (PolicyVcpu vcpu in _running)
        {
            if (!vcpu.RunningBoosted && (victim is null || vcpu.Vm.EffectiveVirtualTime > victim.Vm.EffectiveVirtualTime))
            {
                victim = vcpu;
            }
        }

        return victim;
    }

    /// <summary>
    /// Ends a running vCPU's grant at <paramref name="now"/>: charges what it ran to its VM and moves it to
    /// <paramref name="next"/> (runnable again at the back of its VM's queue, parked, or idle).
    /// </summary>
    public void Charge(PolicyVcpu vcpu, long now, VcpuState next)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        if (vcpu.State != VcpuState.Running)
        {
            throw new InvalidOperationException("charged a vCPU that is not running");
        }

        PolicyVm vm = vcpu.Vm;
        Account(vm, now);
        Refill(vm, now);
        long ran = Math.Max(0, now - vcpu.GrantStart);
        vm.PendingVirtual -= vcpu.GrantVirtual;
        vm.VirtualTime += Weighted(ran, vm.Controls);
        if (vm.Controls.Cap != 0)
        {
            vm.CapBudget += vcpu.GrantLength - ran;
        }

        if (vm.Controls.Reservation != 0)
        {
            vm.ReserveBudget = Math.Max(vm.ReserveBudget - ran, -ReserveDepth(vm.Controls));
        }

        vm.RunNs += ran;
        vcpu.RunNs += ran;
        vm.Running--;
        _running.Remove(vcpu);
        vcpu.RunningBoosted = false;
        vcpu.State = next;
        if (next == VcpuState.Runnable)
        {
            vcpu.RunnableSince = now;
            vm.RunQueue.Add(vcpu);
            RunnableCount++;
        }

        Account(vm, now);
    }

    /// <summary>Host CPU time a running vCPU has used in its current grant so far (accounting snapshots).</summary>
    public static long InFlight(PolicyVcpu vcpu, long now) => vcpu.State == VcpuState.Running ? Math.Max(0, now - vcpu.GrantStart) : 0;

    /// <summary>Throttled time of a VM up to <paramref name="now"/>.</summary>
    public long ThrottledNs(PolicyVm vm, long now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        Account(vm, now);
        return vm.ThrottledNs;
    }

    private void Grant(PolicyVcpu vcpu, long now, bool boosted)
    {
        PolicyVm vm = vcpu.Vm;
        vm.RunQueue.Remove(vcpu);
        RunnableCount--;
        long waited = now - vcpu.RunnableSince;
        vcpu.WaitNs += waited;
        vcpu.MaxWaitNs = Math.Max(vcpu.MaxWaitNs, waited);
        long length = boosted ? _boostSlice : _slice;
        if (vm.Controls.Cap != 0)
        {
            length = Math.Min(length, vm.CapBudget);
            vm.CapBudget -= length;
        }

        vcpu.Boosted = false;
        vcpu.RunningBoosted = boosted;
        vcpu.GrantStart = now;
        vcpu.GrantLength = length;
        vcpu.GrantVirtual = Weighted(length, vm.Controls);
        vm.PendingVirtual += vcpu.GrantVirtual;
        vm.Running++;
        vcpu.State = VcpuState.Running;
        _running.Add(vcpu);
        Account(vm, now);
    }

    private static PolicyVcpu? FirstInQueue(PolicyVm? vm) => vm is null || vm.RunQueue.Count == 0 ? null : vm.RunQueue[0];

    /// <summary>The least effective virtual time among active VMs other than <paramref name="except"/>; null when none is active.</summary>
    private long? MinActiveVirtualTime(PolicyVm? except)
    {
        long? least = null;
        foreach (PolicyVm vm in _vms)
        {
            if (vm != except && vm.Active && !vm.Paused && (least is null || vm.EffectiveVirtualTime < least))
            {
                least = vm.EffectiveVirtualTime;
            }
        }

        return least;
    }

    private void Refill(PolicyVm vm, long now)
    {
        long elapsed = now - vm.LastRefill;
        if (elapsed <= 0)
        {
            return;
        }

        vm.LastRefill = now;
        CpuControls controls = vm.Controls;
        if (controls.Cap != 0)
        {
            vm.CapBudget = Math.Min(CapDepth(controls), vm.CapBudget + (elapsed * controls.Cap / 100));
        }

        if (controls.Reservation != 0)
        {
            vm.ReserveBudget = Math.Min(ReserveDepth(controls), vm.ReserveBudget + (elapsed * controls.Reservation / 100));
        }
    }

    /// <summary>Adds the time since the last event to the VM's throttled time if it was throttled (runnable, out of cap budget) meanwhile.</summary>
    private void Account(PolicyVm vm, long now)
    {
        if (vm.ThrottledAtLastAccount)
        {
            vm.ThrottledNs += Math.Max(0, now - vm.LastAccount);
        }

        vm.LastAccount = now;
        vm.ThrottledAtLastAccount = vm.Controls.Cap != 0 && vm.RunQueue.Count > 0 && !vm.Paused && vm.CapBudget < _minGrant;
    }

    private long CapDepth(CpuControls controls) => Math.Max(_capPeriod * controls.Cap / 100, _minGrant);

    private long ReserveDepth(CpuControls controls) => _reservationPeriod * controls.Reservation / 100;

    private static long Weighted(long ns, CpuControls controls) => ns * CpuControls.DefaultWeight / controls.Weight;

    private static long Ns(TimeSpan span) => span.Ticks * 100;
}
