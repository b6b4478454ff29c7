namespace Vireo.Host.Lifecycle;

/// <summary>A VM moved from one state to another.</summary>
/// <param name="Vm">The VM's name.</param>
/// <param name="From">The old state.</param>
/// <param name="To">The new state.</param>
/// <param name="Reason">Why, in one line (the exit's reason when a run ended).</param>
/// <param name="Exit">The run's exit when the change ends a run, else null.</param>
public sealed record VmStateChange(string Vm, VmState From, VmState To, string Reason, VmExit? Exit);
