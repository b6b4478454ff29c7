namespace Vireo.Devices.Virtio.Block;

/// <summary>virtio-blk request status bytes.</summary>
public static class VirtioBlockStatus
{
    public const byte Ok = 0;
    public const byte IoError = 1;
    public const byte Unsupported = 2;
}
