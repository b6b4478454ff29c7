using Vireo.Host.Lifecycle;
using Vireo.Host.Management;
using Vireo.Host.Specs;

namespace Vireo.Daemon.Api;

/// <summary>One VM in <c>GET /v1/vms/{name}</c>: its state and its whole spec.</summary>
public sealed record VmDetail(string Name, VmState State, VmDesiredState DesiredState, DateTimeOffset CreatedAt, VmExit? LastExit, VmSpec Spec)
{
    internal static VmDetail From(VmHost host, VmRecord record) => new(host.Name, host.State, record.Desired, record.CreatedAt, host.LastExit, host.Spec);
}
