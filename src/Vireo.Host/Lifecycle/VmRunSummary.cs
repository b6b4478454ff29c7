namespace Vireo.Host.Lifecycle;

/// <summary>What one run of a VM did, recorded when it ended.</summary>
/// <param name="FirstInstructionTimestamp">Stopwatch timestamp of the boot hart's first guest instruction (0 if none ran).</param>
/// <param name="Duration">How long the last boot of the run ran.</param>
/// <param name="InstructionsRetired">Guest instructions retired by all harts in the last boot.</param>
/// <param name="ConsoleTail">The console's last complete lines.</param>
public sealed record VmRunSummary(long FirstInstructionTimestamp, TimeSpan Duration, ulong InstructionsRetired, IReadOnlyList<string> ConsoleTail);
