using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vireo.Devices.Virtio.Net;
using Vireo.Host.Building;
using Vireo.Host.Console;
using Vireo.Host.Specs;
using Vireo.Host.Stats;
using Vireo.Machine;
using Vireo.Machine.Boot;

namespace Vireo.Host.Lifecycle;

/// <summary>
/// One VM and its life: the spec, the state machine (<see cref="VmStateMachine"/>), the machine while it runs and
/// every resource it opened, the console buffer and the counters. Each start builds the VM afresh from the spec and
/// each run's end releases everything it opened, so a stopped VM holds no file, lock, thread or guest RAM.
/// Lifecycle requests are serialized; <see cref="KillAsync"/> may overtake a graceful stop in progress.
/// </summary>
public sealed class VmHost : IAsyncDisposable
{
    private readonly VmHostOptions _options;
    private readonly SemaphoreSlim _operations = new(1, 1);
    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    // State changes are queued under the lock and raised outside it, in order.
    private readonly Queue<VmStateChange> _pendingChanges = new();
    private readonly long[] _exitCounts = new long[Enum.GetValues<VmExitKind>().Length];
    private VmSpec _spec;
    private VmState _state = VmState.Created;
    private BuiltVm? _vm;
    private TaskCompletionSource<VmExit>? _runEnded;
    private VmExit? _lastExit;
    private VmRunSummary? _lastRun;
    private long _starts;
    private long _bootTimestamp;

    /// <summary>Creates the VM in <see cref="VmState.Created"/>; nothing is opened until <see cref="StartAsync"/>.</summary>
    /// <exception cref="VmSpecException">The spec is invalid.</exception>
    public VmHost(VmSpec spec, VmHostOptions options)
        : this(spec, options, VmState.Created, null)
    {
    }

    /// <summary>
    /// Re-creates a VM that existed before (a daemon restart): at rest in <paramref name="state"/> (created, stopped or
    /// crashed) with its last run's <paramref name="lastExit"/>.
    /// </summary>
    public VmHost(VmSpec spec, VmHostOptions options, VmState state, VmExit? lastExit)
    {
        if (!VmStateMachine.IsAtRest(state))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "a VM is re-created at rest");
        }

        _state = state;
        _lastExit = lastExit;
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        VmSpecValidator.ThrowIfInvalid(spec, checkFiles: false);
        _spec = spec;
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("Vireo.Vm");
        Console = new ConsoleBuffer(options.ConsoleCapacity);
    }

    /// <summary>Raised after every state change, on the thread that made it.</summary>
    public event EventHandler<VmStateChange>? StateChanged;

    /// <summary>The VM's name.</summary>
    public string Name => _spec.Name;

    /// <summary>The spec the VM is (or will next be) built from.</summary>
    public VmSpec Spec
    {
        get
        {
            lock (_lock)
            {
                return _spec;
            }
        }
    }

    /// <summary>Current state.</summary>
    public VmState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>How the last run ended, or null before the first one ended.</summary>
    public VmExit? LastExit
    {
        get
        {
            lock (_lock)
            {
                return _lastExit;
            }
        }
    }

    /// <summary>What the last run did (timings, instructions, the console's last lines), or null before the first one ended.</summary>
    public VmRunSummary? LastRun
    {
        get
        {
            lock (_lock)
            {
                return _lastRun;
            }
        }
    }

    /// <summary>The console's last bytes and live output.</summary>
    public ConsoleBuffer Console { get; }

    /// <summary>The running machine, or null (tests and in-process tools; the daemon goes through this class).</summary>
    public Vireo.Machine.VirtMachine? Machine
    {
        get
        {
            lock (_lock)
            {
                return _vm?.Machine;
            }
        }
    }

    /// <summary>Replaces the spec of a VM that is not running (it takes effect at the next start).</summary>
    public void Reconfigure(VmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        VmSpecValidator.ThrowIfInvalid(spec, checkFiles: false);
        lock (_lock)
        {
            VmStateMachine.Require(Name, _state, VmAction.Reconfigure);
            if (spec.Name != _spec.Name)
            {
                throw new VmSpecException([new SpecError("name", "cannot be changed")]);
            }

            _spec = spec;
        }
    }

    /// <summary>Builds and boots the VM; returns once its boot hart runs (or the boot failed).</summary>
    /// <exception cref="VmStateException">The VM is not at rest.</exception>
    /// <exception cref="VmSpecException">The spec is invalid (files missing...).</exception>
    /// <exception cref="VmBuildException">A disk or back-end could not be opened.</exception>
    /// <exception cref="VmOperationException">The boot images could not be loaded.</exception>
    public async Task StartAsync(CancellationToken cancellation = default)
    {
        await _operations.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await StartCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>Pauses a running VM: harts parked at an instruction boundary, guest clock frozen, devices quiet.</summary>
    public async Task PauseAsync(CancellationToken cancellation = default)
    {
        await _operations.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            BuiltVm vm = Require(VmAction.Pause);
            bool paused = await Task.Run(() => vm.Machine.Pause(_options.PauseTimeout), CancellationToken.None).ConfigureAwait(false);
            if (!paused)
            {
                throw new VmOperationException($"VM '{Name}' did not pause within {_options.PauseTimeout.TotalSeconds:0.#} s (it ended or a device stayed busy)");
            }

            Transition(VmState.Running, VmState.Paused, "paused from the host");
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>Resumes a paused VM exactly where it stopped.</summary>
    public async Task ResumeAsync(CancellationToken cancellation = default)
    {
        await _operations.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            BuiltVm vm = Require(VmAction.Resume);
            vm.Machine.Resume();
            Transition(VmState.Paused, VmState.Running, "resumed from the host");
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>
    /// Stops the VM. Graceful asks the guest to power off (its power button) and forces the stop when it has not within
    /// <paramref name="timeout"/>; force stops the harts at once. Returns the run's exit.
    /// </summary>
    public async Task<VmExit> StopAsync(VmStopMode mode, TimeSpan timeout, CancellationToken cancellation = default)
    {
        await _operations.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            return await StopCoreAsync(mode, timeout).ConfigureAwait(false);
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>Stops the VM at once, also while a graceful stop waits for the guest.</summary>
    public async Task<VmExit> KillAsync()
    {
        Task<VmExit> ended;
        lock (_lock)
        {
            VmStateMachine.Require(Name, _state, VmAction.Kill);
            ended = _runEnded!.Task;
            if (_state != VmState.Stopping)
            {
                SetStateLocked(VmState.Stopping, "kill requested");
            }

            _vm!.Machine.Stop("killed from the host");
        }

        RaiseIfChanged();
        return await ended.ConfigureAwait(false);
    }

    /// <summary>Stops the VM (as <see cref="StopAsync"/>) and starts it again from its spec.</summary>
    public async Task RestartAsync(VmStopMode mode, TimeSpan timeout, CancellationToken cancellation = default)
    {
        await _operations.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            Require(VmAction.Restart);
            await StopCoreAsync(mode, timeout).ConfigureAwait(false);
            await StartCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>Completes when the current run ends (at once with the last exit when the VM is at rest; null if it never ran).</summary>
    public Task<VmExit?> WaitForExitAsync(CancellationToken cancellation = default)
    {
        Task<VmExit>? ended;
        lock (_lock)
        {
            if (VmStateMachine.IsAtRest(_state) || _runEnded is null)
            {
                return Task.FromResult(_lastExit);
            }

            ended = _runEnded.Task;
        }

        return AwaitExit(ended, cancellation);

        static async Task<VmExit?> AwaitExit(Task<VmExit> task, CancellationToken cancellation) => await task.WaitAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Types into the guest console; blocks while the console's input buffer is full. False when the VM is not running.</summary>
    public bool SendConsoleInput(ReadOnlySpan<byte> bytes, CancellationToken cancellation = default)
    {
        Vireo.Machine.VirtMachine? machine = Machine;
        if (machine is null)
        {
            return false;
        }

        machine.SendConsoleInput(bytes, cancellation);
        return true;
    }

    /// <summary>A snapshot of the VM's counters.</summary>
    public VmStats GetStats()
    {
        lock (_lock)
        {
            var exits = new Dictionary<VmExitKind, long>();
            foreach (VmExitKind kind in Enum.GetValues<VmExitKind>())
            {
                if (_exitCounts[(int)kind] != 0)
                {
                    exits[kind] = _exitCounts[(int)kind];
                }
            }

            var stats = new VmStats
            {
                Name = Name,
                State = _state,
                MemoryBytes = _spec.Memory,
                ConsoleBytes = Console.Position,
                Starts = _starts,
                Exits = exits,
            };

            return _vm is null ? stats : AddRunStats(stats, _vm);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Task<VmExit>? ended = null;
        lock (_lock)
        {
            if (_vm is not null)
            {
                ended = _runEnded!.Task;
                _vm.Machine.Stop("the VM's host is shutting down");
            }
        }

        if (ended is not null)
        {
            await ended.ConfigureAwait(false);
        }

        _operations.Dispose();
    }

    private VmStats AddRunStats(VmStats stats, BuiltVm vm)
    {
        var vcpus = new VcpuStats[vm.Machine.Harts.Count];
        ulong retired = 0;
        TimeSpan cpu = TimeSpan.Zero;
        for (int i = 0; i < vcpus.Length; i++)
        {
            ulong hartRetired = vm.Machine.Harts[i].InstructionsRetired;
            (TimeSpan run, TimeSpan wait) = ThreadTimes.Read(vm.Machine.GetHartThreadId(i));
            vcpus[i] = new VcpuStats(i, hartRetired, run, wait);
            retired += hartRetired;
            cpu += run;
        }

        var nics = new List<NicStats>();
        foreach (Vireo.Devices.Virtio.VirtioDevice device in vm.Devices)
        {
            if (device is VirtioNetDevice net)
            {
                VirtioNetCounters c = net.Counters;
                nics.Add(new NicStats(nics.Count, net.Mac.ToString(), c.RxFrames, c.RxDropped + c.RxTooBig, c.TxFrames, c.TxMalformed));
            }
        }

        return stats with
        {
            Uptime = _bootTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_bootTimestamp),
            InstructionsRetired = retired,
            HostCpuTime = cpu,
            Vcpus = vcpus,
            Nics = nics,
        };
    }

    private async Task StartCoreAsync()
    {
        VmSpec spec;
        lock (_lock)
        {
            VmStateMachine.Require(Name, _state, VmAction.Start);
            spec = _spec;
            SetStateLocked(VmState.Starting, "start requested");
        }

        RaiseIfChanged();
        BuiltVm vm;
        try
        {
            var context = new VmBuildContext
            {
                GuestImages = _options.GuestImages,
                Identity = _options.Identity,
                ConsoleOutput = WriteConsole,
                Logger = _logger,
                Time = _options.Time,
                Scheduler = _options.Scheduler,
            };

            vm = await Task.Run(() => VmBuilder.Build(spec, context)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VmSpecException or VmBuildException)
        {
            EndRun(new VmExit(VmExitKind.HostError, 1, $"start failed: {e.Message}", DateTimeOffset.UtcNow), crashed: false);
            throw;
        }

        var ended = new TaskCompletionSource<VmExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _vm = vm;
            _runEnded = ended;
            _starts++;
            _bootTimestamp = Stopwatch.GetTimestamp();
        }

        var thread = new Thread(() => RunMachine(vm, ended)) { IsBackground = true, Name = $"vireo vm {Name}" };
        thread.Start();

        // The boot images load on the run thread: wait for the first guest instruction, so a bad kernel is this
        // request's error and a VM reported running really runs.
        long deadline = Environment.TickCount64 + (long)_options.BootWait.TotalMilliseconds;
        while (vm.Machine.FirstInstructionTimestamp == 0 && !ended.Task.IsCompleted && Environment.TickCount64 < deadline)
        {
            await Task.WhenAny(ended.Task, Task.Delay(2)).ConfigureAwait(false);
        }

        if (ended.Task.IsCompleted && vm.Machine.FirstInstructionTimestamp == 0)
        {
            VmExit exit = await ended.Task.ConfigureAwait(false);
            throw new VmOperationException(exit.Reason);
        }

        lock (_lock)
        {
            if (_state == VmState.Starting)
            {
                SetStateLocked(VmState.Running, "booted");
            }
        }

        RaiseIfChanged();
    }

    private async Task<VmExit> StopCoreAsync(VmStopMode mode, TimeSpan timeout)
    {
        BuiltVm vm;
        Task<VmExit> ended;
        bool wasPaused;
        lock (_lock)
        {
            VmStateMachine.Require(Name, _state, VmAction.Stop);
            vm = _vm!;
            ended = _runEnded!.Task;
            wasPaused = _state == VmState.Paused;
            SetStateLocked(VmState.Stopping, mode == VmStopMode.Graceful ? "graceful stop requested" : "stop requested");
        }

        RaiseIfChanged();
        if (mode == VmStopMode.Graceful && RequestGuestShutdown(vm, wasPaused))
        {
            Task first = await Task.WhenAny(ended, Task.Delay(timeout)).ConfigureAwait(false);
            if (first == ended)
            {
                return await ended.ConfigureAwait(false);
            }

            Log.GracefulStopTimedOut(_logger, Name, timeout.TotalSeconds);
        }

        vm.Machine.Stop(mode == VmStopMode.Graceful && HasPowerButton(vm) ? "the guest did not power off in time; stopped from the host" : "stopped from the host");
        return await ended.ConfigureAwait(false);
    }

    /// <summary>Asks the guest to shut down in order; false when the board gives it no way to be asked.</summary>
    private static bool RequestGuestShutdown(BuiltVm vm, bool wasPaused)
    {
        foreach (Vireo.Devices.Virtio.VirtioDevice device in vm.Devices)
        {
            if (device is Vireo.Devices.Virtio.Input.VirtioInputDevice button)
            {
                // A paused guest cannot react: let it run to shut down.
                if (wasPaused)
                {
                    vm.Machine.Resume();
                }

                button.PressPowerButton();
                return true;
            }
        }

        return false;
    }

    private static bool HasPowerButton(BuiltVm vm) => vm.Devices.Any(static d => d is Vireo.Devices.Virtio.Input.VirtioInputDevice);

    private void RunMachine(BuiltVm vm, TaskCompletionSource<VmExit> ended)
    {
        VmExit exit;
        using (_logger.BeginScope(new Dictionary<string, object> { ["vm"] = Name }))
        {
            try
            {
                MachineExit result = vm.Machine.Run();
                exit = new VmExit(Map(result.Kind), result.Code, result.Reason, DateTimeOffset.UtcNow);
            }
            catch (BootImageException e)
            {
                exit = new VmExit(VmExitKind.HostError, 1, e.Message, DateTimeOffset.UtcNow);
            }
#pragma warning disable CA1031 // A host-side failure of one VM ends that VM, never the process or other VMs.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.RunFailed(_logger, e, Name);
                exit = new VmExit(VmExitKind.HostError, 1, $"internal error: {e.GetType().Name}: {e.Message}", DateTimeOffset.UtcNow);
            }

            var summary = new VmRunSummary(vm.Machine.FirstInstructionTimestamp, vm.Machine.Uptime, vm.Machine.InstructionsRetired, [.. vm.Machine.Tail.Lines]);
            lock (_lock)
            {
                _lastRun = summary;
            }

            try
            {
                // Devices first, then the images: their Dispose flushes and closes them.
                vm.Dispose();
            }
#pragma warning disable CA1031
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.ReleaseFailed(_logger, e, Name);
            }
        }

        EndRun(exit, exit.IsCrash);
        ended.TrySetResult(exit);
    }

    private void EndRun(VmExit exit, bool crashed)
    {
        lock (_lock)
        {
            _vm = null;
            _bootTimestamp = 0;
            _lastExit = exit;
            _exitCounts[(int)exit.Kind]++;
            SetStateLocked(crashed ? VmState.Crashed : VmState.Stopped, exit.Reason, exit);
        }

        RaiseIfChanged();
    }

    private static VmExitKind Map(MachineExitKind kind) => kind switch
    {
        MachineExitKind.PowerOff => VmExitKind.PowerOff,
        MachineExitKind.Reset => VmExitKind.Reset,
        MachineExitKind.GuestFailure => VmExitKind.GuestFailure,
        MachineExitKind.Panic => VmExitKind.Panic,
        MachineExitKind.HartStuck => VmExitKind.HartStuck,
        MachineExitKind.Stopped => VmExitKind.StopRequested,
        _ => VmExitKind.HostError,
    };

    private void WriteConsole(ReadOnlySpan<byte> bytes)
    {
        Console.Write(bytes);
        _options.ConsoleOutput?.Invoke(bytes);
    }

    private BuiltVm Require(VmAction action)
    {
        lock (_lock)
        {
            VmStateMachine.Require(Name, _state, action);
            return _vm!;
        }
    }

    private void Transition(VmState from, VmState to, string reason)
    {
        lock (_lock)
        {
            if (_state == from)
            {
                SetStateLocked(to, reason);
            }
        }

        RaiseIfChanged();
    }

    private void SetStateLocked(VmState to, string reason, VmExit? exit = null)
    {
        _pendingChanges.Enqueue(new VmStateChange(Name, _state, to, reason, exit));
        _state = to;
    }

    private void RaiseIfChanged()
    {
        while (true)
        {
            VmStateChange? change;
            lock (_lock)
            {
                if (!_pendingChanges.TryDequeue(out change))
                {
                    return;
                }
            }

            Log.StateChanged(_logger, Name, change.From, change.To, change.Reason);
            StateChanged?.Invoke(this, change);
        }
    }
}
