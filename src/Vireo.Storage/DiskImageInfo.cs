namespace Vireo.Storage;

/// <summary>What <c>vireo disk info</c> shows about one image of a backing chain.</summary>
/// <param name="Path">Full path of the image file.</param>
/// <param name="Format">Its format.</param>
/// <param name="VirtualSize">Size of the virtual disk in bytes.</param>
/// <param name="AllocatedBytes">Bytes the file occupies on the host (holes excluded).</param>
/// <param name="ClusterSize">Cluster size for qcow2, null for raw.</param>
/// <param name="BackingFile">The backing file name as stored in the image, or null.</param>
/// <param name="BackingFormat">The backing format named in the image, or null when absent (probed).</param>
/// <param name="Backing">The next image down the chain, or null.</param>
public sealed record DiskImageInfo(
    string Path,
    DiskFormat Format,
    ulong VirtualSize,
    long AllocatedBytes,
    int? ClusterSize,
    string? BackingFile,
    string? BackingFormat,
    DiskImageInfo? Backing);
