namespace Vireo.Host.Management;

/// <summary>What the owner wants a VM to be doing; the daemon brings it back to this after a restart (with autostart).</summary>
public enum VmDesiredState
{
    Stopped,
    Running,
}
