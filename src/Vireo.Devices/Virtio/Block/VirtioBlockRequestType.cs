namespace Vireo.Devices.Virtio.Block;

/// <summary>virtio-blk request types (the <c>type</c> field of the request header).</summary>
public static class VirtioBlockRequestType
{
    public const uint In = 0;
    public const uint Out = 1;
    public const uint Flush = 4;
    public const uint GetId = 8;
    public const uint Discard = 11;
    public const uint WriteZeroes = 13;
}
