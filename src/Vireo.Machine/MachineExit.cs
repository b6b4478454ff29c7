namespace Vireo.Machine;

/// <summary>How a VM run ended.</summary>
/// <param name="Kind">Why it stopped.</param>
/// <param name="Code">The guest's exit code (the test device's fail code; 0 on power-off).</param>
/// <param name="Reason">A one-line human explanation.</param>
public sealed record MachineExit(MachineExitKind Kind, int Code, string Reason);
