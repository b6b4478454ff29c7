namespace Vireo.Devices.Virtio;

/// <summary>One buffer of a descriptor chain, already checked to lie wholly in guest RAM.</summary>
/// <param name="Address">Guest physical address.</param>
/// <param name="Length">Length in bytes (never zero).</param>
/// <param name="Writable">True for a device-writable buffer (VIRTQ_DESC_F_WRITE).</param>
public readonly record struct VirtqueueSegment(ulong Address, uint Length, bool Writable);
