namespace Vireo.Devices.Virtio;

/// <summary>What <see cref="Virtqueue.TryPop"/> found.</summary>
public enum VirtqueuePopResult
{
    /// <summary>No new buffers in the available ring.</summary>
    Empty,

    /// <summary>A well-formed chain was taken and filled in.</summary>
    Chain,

    /// <summary>The guest broke the ring rules; the device must enter NEEDS_RESET.</summary>
    Malformed,
}
