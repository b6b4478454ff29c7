namespace Vireo.Storage;

/// <summary>The outcome of a consistency check of one image file.</summary>
/// <param name="Format">The image's format.</param>
/// <param name="Errors">Corruptions: refcounts too low, clusters referenced twice, references outside the file, bad flags.</param>
/// <param name="Leaks">Clusters whose refcount is higher than their references (wasted space, harmless).</param>
/// <param name="Messages">One line per problem (capped; the counts are exact).</param>
/// <param name="AllocatedClusters">Clusters referenced by guest data.</param>
/// <param name="TotalClusters">Clusters mapping the virtual disk.</param>
public sealed record DiskCheckResult(
    DiskFormat Format,
    int Errors,
    int Leaks,
    IReadOnlyList<string> Messages,
    ulong AllocatedClusters,
    ulong TotalClusters)
{
    /// <summary>True when there are neither errors nor leaks.</summary>
    public bool IsClean => Errors == 0 && Leaks == 0;
}
