namespace Vireo.Machine.Memory;

/// <summary>A new balloon target for one VM, with the one-line reason the daemon records as an event.</summary>
/// <param name="Name">The VM.</param>
/// <param name="BalloonTargetBytes">The balloon size to ask for.</param>
/// <param name="Reason">Why, in one line.</param>
public sealed record BalloonDecision(string Name, ulong BalloonTargetBytes, string Reason);
