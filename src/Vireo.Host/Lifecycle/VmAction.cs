namespace Vireo.Host.Lifecycle;

/// <summary>A lifecycle request on a VM.</summary>
public enum VmAction
{
    Start,
    Pause,
    Resume,
    Stop,
    Kill,
    Restart,
    Delete,
    Reconfigure,
}
