using Vireo.Host.Lifecycle;
using Vireo.Host.Specs;

namespace Vireo.Host.Management;

/// <summary>A VM as the daemon's store keeps it.</summary>
/// <param name="Id">A unique id, fixed at creation (default MACs derive from it).</param>
/// <param name="Spec">The spec.</param>
/// <param name="Desired">What the owner asked for last.</param>
/// <param name="Observed">The state last seen (what a restarted daemon reports until it acts).</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="LastExit">How its last run ended, if any.</param>
public sealed record VmRecord(string Id, VmSpec Spec, VmDesiredState Desired, VmState Observed, DateTimeOffset CreatedAt, VmExit? LastExit);
