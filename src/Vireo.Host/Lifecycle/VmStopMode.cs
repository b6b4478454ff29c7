namespace Vireo.Host.Lifecycle;

/// <summary>How to stop a VM.</summary>
public enum VmStopMode
{
    /// <summary>Ask the guest to shut down (power button), and force it when it has not powered off in time.</summary>
    Graceful,

    /// <summary>Stop the harts at once (pulling the plug): disks are flushed and closed by the host, the guest gets no say.</summary>
    Force,
}
