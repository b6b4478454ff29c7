using System.Text.Json.Serialization;

namespace Vireo.Host.Lifecycle;

/// <summary>How one run of a VM ended.</summary>
/// <param name="Kind">Why.</param>
/// <param name="Code">The guest's exit code (its fail code; 0 otherwise).</param>
/// <param name="Reason">One line for people.</param>
/// <param name="Time">When the run ended.</param>
public sealed record VmExit(VmExitKind Kind, int Code, string Reason, DateTimeOffset Time)
{
    /// <summary>True when the run ended by a failure: the VM goes <see cref="VmState.Crashed"/>.</summary>
    [JsonIgnore]
    public bool IsCrash => Kind is VmExitKind.Panic or VmExitKind.HartStuck or VmExitKind.HostError;
}
