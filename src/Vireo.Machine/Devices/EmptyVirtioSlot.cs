using Vireo.Core.Bus;

namespace Vireo.Machine.Devices;

/// <summary>
/// A virtio-mmio slot with no device behind it: it answers the magic and version with device id 0, which the virtio
/// specification defines as "no device here", so drivers probe it and move on (as on QEMU's virt board).
/// </summary>
internal sealed class EmptyVirtioSlot : IMmioDevice
{
    public string Name => "virtio-empty";

    public ulong Size => VirtMemoryMap.VirtioStride;

    public ulong Read(ulong offset, int size) => offset switch
    {
        0x000 => 0x7472_6976, // "virt"
        0x004 => 2,
        0x00c => 0x554d_4551, // vendor "QEMU"
        _ => 0,
    };

    public void Write(ulong offset, int size, ulong value)
    {
    }
}
