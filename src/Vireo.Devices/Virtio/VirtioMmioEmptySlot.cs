using Vireo.Core.Bus;

namespace Vireo.Devices.Virtio;

/// <summary>
/// An unpopulated virtio-mmio slot: a valid version 2 window with device ID 0, which Linux probes and skips. Lets the
/// board describe all of its slots in the device tree whatever number of devices is configured, as QEMU's virt does.
/// </summary>
public sealed class VirtioMmioEmptySlot : IMmioDevice
{
    /// <inheritdoc/>
    public string Name => "virtio-mmio-empty";

    /// <inheritdoc/>
    public ulong Size => VirtioMmioTransport.WindowSize;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        if (size != 4)
        {
            return 0;
        }

        return offset switch
        {
            VirtioMmioRegister.MagicValue => VirtioMmioTransport.Magic,
            VirtioMmioRegister.Version => VirtioMmioTransport.TransportVersion,
            VirtioMmioRegister.VendorId => VirtioMmioTransport.Vendor,
            _ => 0,
        };
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
    }
}
