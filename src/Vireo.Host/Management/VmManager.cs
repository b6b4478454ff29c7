using Microsoft.Extensions.Logging;
using Vireo.Host.Lifecycle;
using Vireo.Host.Specs;

namespace Vireo.Host.Management;

/// <summary>
/// The VMs of one daemon: names, specs, desired and observed state, kept in an <see cref="IVmStore"/>, and the event
/// stream. Every request of the API goes through here to the VM's <see cref="VmHost"/>; the manager records what the
/// owner wants (desired state) before it acts, so a daemon killed mid-request restarts with the owner's intent.
/// </summary>
public sealed class VmManager : IAsyncDisposable
{
    private readonly IVmStore _store;
    private readonly VmManagerOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _vms = new(StringComparer.Ordinal);

    /// <summary>Creates a manager over <paramref name="store"/>; call <see cref="LoadAsync"/> before use.</summary>
    public VmManager(IVmStore store, VmManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("Vireo.Manager");
    }

    /// <summary>The event stream.</summary>
    public VmEventHub Events { get; } = new();

    /// <summary>Settings.</summary>
    public VmManagerOptions Options => _options;

    /// <summary>
    /// Loads every stored VM. Those the owner wanted running and marked autostart are started; the others come back
    /// stopped (their last observed state is not trusted: the previous daemon may have died with them).
    /// </summary>
    public async Task LoadAsync()
    {
        var autostart = new List<VmHost>();
        foreach (VmRecord stored in _store.Load())
        {
            // What the previous daemon last saw is not trusted: it may have died with its VMs. A VM that ever ran is
            // stopped now (crashed stays crashed, so the reason is not lost).
            VmState observed = stored.Observed switch
            {
                VmState.Created => VmState.Created,
                VmState.Crashed => VmState.Crashed,
                _ => VmState.Stopped,
            };
            bool start = stored.Desired == VmDesiredState.Running && stored.Spec.Autostart;
            VmRecord record = stored with { Observed = observed, Desired = start ? VmDesiredState.Running : VmDesiredState.Stopped };
            VmHost host = Add(record);
            _store.SetObserved(record.Spec.Name, observed, null);
            _store.SetDesired(record.Spec.Name, record.Desired);
            if (start)
            {
                autostart.Add(host);
            }
        }

        foreach (VmHost host in autostart)
        {
            try
            {
                await host.StartAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // One VM that cannot start must not keep the daemon or the other VMs from starting.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.AutostartFailed(_logger, e, host.Name, e.Message);
            }
        }
    }

    /// <summary>Every VM, in creation order.</summary>
    public IReadOnlyList<VmHost> List()
    {
        lock (_lock)
        {
            return [.. _vms.Values.OrderBy(static e => e.Order).Select(static e => e.Host)];
        }
    }

    /// <summary>The VM named <paramref name="name"/>.</summary>
    /// <exception cref="VmNotFoundException">There is none.</exception>
    public VmHost Get(string name) => GetEntry(name).Host;

    /// <summary>The stored record of a VM (creation time, desired state).</summary>
    public VmRecord GetRecord(string name)
    {
        Entry entry = GetEntry(name);
        return entry.Record;
    }

    /// <summary>Defines a new VM (and starts it when <paramref name="start"/>).</summary>
    /// <exception cref="VmSpecException">The spec is invalid.</exception>
    /// <exception cref="VmConflictException">The name is taken or the manager is full.</exception>
    public async Task<VmHost> CreateAsync(VmSpec spec, bool start)
    {
        ArgumentNullException.ThrowIfNull(spec);
        VmSpecValidator.ThrowIfInvalid(spec, checkFiles: true);
        var record = new VmRecord(Guid.NewGuid().ToString("N"), spec, start ? VmDesiredState.Running : VmDesiredState.Stopped, VmState.Created, DateTimeOffset.UtcNow, null);
        lock (_lock)
        {
            if (_vms.ContainsKey(spec.Name))
            {
                throw new VmConflictException($"a VM named '{spec.Name}' exists already");
            }

            if (_vms.Count >= _options.MaxVms)
            {
                throw new VmConflictException($"this daemon holds at most {_options.MaxVms} VMs");
            }

            if (!_store.Insert(record))
            {
                throw new VmConflictException($"a VM named '{spec.Name}' exists already");
            }
        }

        VmHost host = Add(record);
        Publish(VmEventKind.Created, spec.Name, null, VmState.Created, "created");
        if (start)
        {
            await host.StartAsync().ConfigureAwait(false);
        }

        return host;
    }

    /// <summary>Replaces the spec of a VM that is not running.</summary>
    public void Update(string name, VmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        VmSpecValidator.ThrowIfInvalid(spec, checkFiles: true);
        Entry entry = GetEntry(name);
        entry.Host.Reconfigure(spec);
        _store.UpdateSpec(name, spec);
        lock (_lock)
        {
            entry.Record = entry.Record with { Spec = spec };
        }

        Publish(VmEventKind.Updated, name, null, null, "spec updated");
    }

    /// <summary>Starts a VM.</summary>
    public Task StartAsync(string name) => Desire(name, VmDesiredState.Running, static h => h.StartAsync());

    /// <summary>Stops a VM (graceful with a timeout, or forced).</summary>
    public Task StopAsync(string name, VmStopMode mode, TimeSpan? timeout) =>
        Desire(name, VmDesiredState.Stopped, h => h.StopAsync(mode, timeout ?? _options.StopTimeout));

    /// <summary>Stops a VM at once.</summary>
    public Task KillAsync(string name) => Desire(name, VmDesiredState.Stopped, static h => h.KillAsync());

    /// <summary>Pauses a running VM.</summary>
    public Task PauseAsync(string name) => Get(name).PauseAsync();

    /// <summary>Resumes a paused VM.</summary>
    public Task ResumeAsync(string name) => Get(name).ResumeAsync();

    /// <summary>Stops a VM and starts it again.</summary>
    public Task RestartAsync(string name, VmStopMode mode, TimeSpan? timeout) =>
        Desire(name, VmDesiredState.Running, h => h.RestartAsync(mode, timeout ?? _options.StopTimeout));

    /// <summary>Removes a VM; with <paramref name="force"/> a running one is killed first.</summary>
    public async Task DeleteAsync(string name, bool force)
    {
        Entry entry = GetEntry(name);
        VmHost host = entry.Host;
        if (force && !VmStateMachine.IsAtRest(host.State))
        {
            try
            {
                await host.KillAsync().ConfigureAwait(false);
            }
            catch (VmStateException)
            {
                // It was still starting, or ended meanwhile: wait for it to be at rest below.
                await host.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        VmStateMachine.Require(name, host.State, VmAction.Delete);
        lock (_lock)
        {
            _vms.Remove(name);
        }

        _store.Delete(name);
        host.StateChanged -= entry.Handler;
        await host.DisposeAsync().ConfigureAwait(false);
        Publish(VmEventKind.Deleted, name, host.State, null, "deleted");
    }

    /// <summary>
    /// Daemon shutdown: stops every running VM (graceful, each bounded by <paramref name="timeout"/>, all at once) and
    /// keeps their desired state, so autostart VMs come back with the next daemon.
    /// </summary>
    public async Task ShutdownAsync(TimeSpan timeout)
    {
        var stops = new List<Task>();
        foreach (VmHost host in List())
        {
            if (VmStateMachine.IsAllowed(host.State, VmAction.Stop))
            {
                stops.Add(StopForShutdown(host, timeout));
            }
        }

        await Task.WhenAll(stops).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (VmHost host in List())
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StopForShutdown(VmHost host, TimeSpan timeout)
    {
        try
        {
            await host.StopAsync(VmStopMode.Graceful, timeout).ConfigureAwait(false);
        }
        catch (VmStateException)
        {
            // Ended or stopping already.
        }
    }

    private async Task Desire(string name, VmDesiredState desired, Func<VmHost, Task> action)
    {
        Entry entry = GetEntry(name);
        _store.SetDesired(name, desired);
        lock (_lock)
        {
            entry.Record = entry.Record with { Desired = desired };
        }

        await action(entry.Host).ConfigureAwait(false);
    }

    private Entry GetEntry(string name)
    {
        lock (_lock)
        {
            return _vms.TryGetValue(name, out Entry? entry) ? entry : throw VmNotFoundException.For(name);
        }
    }

    private VmHost Add(VmRecord record)
    {
        var host = new VmHost(record.Spec, new VmHostOptions
        {
            GuestImages = _options.GuestImages,
            Identity = record.Id,
            LoggerFactory = _options.LoggerFactory,
            Scheduler = _options.Scheduler,
        }, record.Observed, record.LastExit);

        var entry = new Entry(host, record);
        entry.Handler = (_, change) => OnStateChanged(change);
        host.StateChanged += entry.Handler;
        lock (_lock)
        {
            entry.Order = _vms.Count == 0 ? 0 : _vms.Values.Max(static e => e.Order) + 1;
            _vms[record.Spec.Name] = entry;
        }

        return host;
    }

    private void OnStateChanged(VmStateChange change)
    {
        try
        {
            _store.SetObserved(change.Vm, change.To, change.Exit);
        }
#pragma warning disable CA1031 // A store failure is logged; the VM's own state stays right in memory.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.StoreFailed(_logger, e, change.Vm);
        }

        Publish(VmEventKind.StateChanged, change.Vm, change.From, change.To, change.Reason);
    }

    private void Publish(VmEventKind kind, string vm, VmState? from, VmState? to, string reason)
    {
        VmEvent e = Events.Publish(kind, vm, from, to, reason);
        try
        {
            _store.AppendEvent(e);
        }
#pragma warning disable CA1031
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.StoreFailed(_logger, ex, vm);
        }
    }

    private sealed class Entry(VmHost host, VmRecord record)
    {
        public VmHost Host { get; } = host;

        public VmRecord Record { get; set; } = record;

        public long Order { get; set; }

        public EventHandler<VmStateChange>? Handler { get; set; }
    }
}
