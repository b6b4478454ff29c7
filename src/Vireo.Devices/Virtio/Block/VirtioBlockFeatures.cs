namespace Vireo.Devices.Virtio.Block;

/// <summary>virtio-blk feature bits (virtio 1.2, section 5.2.3) as masks.</summary>
public static class VirtioBlockFeatures
{
    /// <summary>size_max in config: no buffer may be larger.</summary>
    public const ulong SizeMax = 1UL << 1;

    /// <summary>seg_max in config: no request may have more data buffers.</summary>
    public const ulong SegMax = 1UL << 2;

    /// <summary>The disk is read-only.</summary>
    public const ulong ReadOnly = 1UL << 5;

    /// <summary>blk_size in config: the optimal block size.</summary>
    public const ulong BlockSize = 1UL << 6;

    /// <summary>The FLUSH command; without it the device is write-through.</summary>
    public const ulong Flush = 1UL << 9;

    /// <summary>The DISCARD command.</summary>
    public const ulong Discard = 1UL << 13;

    /// <summary>The WRITE_ZEROES command.</summary>
    public const ulong WriteZeroes = 1UL << 14;
}
