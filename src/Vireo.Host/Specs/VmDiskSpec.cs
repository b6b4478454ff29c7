using Vireo.Core.Throttling;

namespace Vireo.Host.Specs;

/// <summary>One disk of a <see cref="VmSpec"/>.</summary>
public sealed record VmDiskSpec
{
    /// <summary>Image file (raw or qcow2) or block device.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>"raw" or "qcow2"; null probes the qcow2 magic.</summary>
    public string? Format { get; init; }

    /// <summary>"writeback" (default), "none" (O_DIRECT) or "unsafe" (flushes ignored).</summary>
    public string Cache { get; init; } = "writeback";

    /// <summary>
    /// True attaches read-only (the guest sees a read-only disk); false insists on writable, refusing a damaged image;
    /// null (the default) is writable unless the image is damaged, which then opens read-only with a warning.
    /// </summary>
    public bool? ReadOnly { get; init; }

    /// <summary>Bandwidth and operation limits and the disk's weight in a shared host budget (none by default).</summary>
    public DiskLimitOptions Limits { get; init; } = DiskLimitOptions.None;
}
