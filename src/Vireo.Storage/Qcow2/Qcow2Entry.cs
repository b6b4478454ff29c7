namespace Vireo.Storage.Qcow2;

/// <summary>Bit layout of qcow2 L1, L2 and refcount-table entries.</summary>
internal static class Qcow2Entry
{
    /// <summary>Refcount of the cluster is exactly one: it may be written in place.</summary>
    public const ulong Copied = 1UL << 63;

    /// <summary>L2 entry describes a compressed cluster.</summary>
    public const ulong Compressed = 1UL << 62;

    /// <summary>L2 entry (version 3) reads as zeroes.</summary>
    public const ulong Zero = 1UL;

    /// <summary>Host offset bits 9..55 of L1 and standard L2 entries.</summary>
    public const ulong OffsetMask = 0x00FF_FFFF_FFFF_FE00UL;

    /// <summary>Bits of an L1 entry that must be zero (0..8 and 56..62).</summary>
    public const ulong L1Reserved = 0x7F00_0000_0000_01FFUL;

    /// <summary>Bits of a standard (uncompressed) L2 entry that must be zero (1..8 and 56..61).</summary>
    public const ulong L2StandardReserved = 0x3F00_0000_0000_01FEUL;

    /// <summary>Bits of a refcount table entry that must be zero (0..8).</summary>
    public const ulong RefcountTableReserved = 0x1FFUL;

    /// <summary>Host offset bits 9..63 of refcount table entries.</summary>
    public const ulong RefcountTableOffsetMask = 0xFFFF_FFFF_FFFF_FE00UL;
}
