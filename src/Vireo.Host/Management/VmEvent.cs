using Vireo.Host.Lifecycle;

namespace Vireo.Host.Management;

/// <summary>One event of the daemon's event stream (server-sent events, the store's event log).</summary>
/// <param name="Sequence">Increasing number within one daemon run.</param>
/// <param name="Time">When it happened.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Vm">The VM's name.</param>
/// <param name="From">For a state change, the old state.</param>
/// <param name="To">For a state change, the new state.</param>
/// <param name="Reason">One line: why.</param>
public sealed record VmEvent(long Sequence, DateTimeOffset Time, VmEventKind Kind, string Vm, VmState? From, VmState? To, string Reason);
