namespace Vireo.Host.Management;

/// <summary>What happened to a VM.</summary>
public enum VmEventKind
{
    Created,
    StateChanged,
    Updated,
    Deleted,
}
