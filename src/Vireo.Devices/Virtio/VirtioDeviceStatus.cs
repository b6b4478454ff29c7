namespace Vireo.Devices.Virtio;

/// <summary>The bits of the device status register (virtio 1.2, section 2.1).</summary>
public static class VirtioDeviceStatus
{
    /// <summary>The guest noticed the device.</summary>
    public const uint Acknowledge = 1;

    /// <summary>The guest knows how to drive the device.</summary>
    public const uint Driver = 2;

    /// <summary>The driver is set up and ready to drive the device.</summary>
    public const uint DriverOk = 4;

    /// <summary>Feature negotiation is complete; the device clears it again when it refuses the features.</summary>
    public const uint FeaturesOk = 8;

    /// <summary>Set by the device after an unrecoverable error (for example a malformed descriptor).</summary>
    public const uint DeviceNeedsReset = 64;

    /// <summary>The driver gave up on the device.</summary>
    public const uint Failed = 128;
}
