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

    /// <summary>Attach read-only (the guest sees a read-only disk; the image is opened read-only).</summary>
    public bool ReadOnly { get; init; }
}
