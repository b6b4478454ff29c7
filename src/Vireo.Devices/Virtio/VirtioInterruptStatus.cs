namespace Vireo.Devices.Virtio;

/// <summary>The bits of the virtio-mmio InterruptStatus register.</summary>
public static class VirtioInterruptStatus
{
    /// <summary>The device put buffers in a used ring.</summary>
    public const uint UsedBuffer = 1;

    /// <summary>The configuration space (or the device status, for NEEDS_RESET) changed.</summary>
    public const uint ConfigChange = 2;
}
