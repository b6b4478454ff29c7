using Vireo.Host.Lifecycle;
using Vireo.Host.Management;

namespace Vireo.Daemon.Api;

/// <summary>One VM in <c>GET /v1/vms</c>.</summary>
public sealed record VmSummary(
    string Name,
    string Project,
    VmState State,
    VmDesiredState DesiredState,
    int Cpus,
    ulong Memory,
    bool Autostart,
    DateTimeOffset CreatedAt,
    VmExit? LastExit)
{
    internal static VmSummary From(VmHost host, VmRecord record) => new(
        host.Name, host.Spec.Project, host.State, record.Desired, host.Spec.Cpus, host.Spec.Memory, host.Spec.Autostart, record.CreatedAt, host.LastExit);
}
