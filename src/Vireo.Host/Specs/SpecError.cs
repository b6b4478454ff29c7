namespace Vireo.Host.Specs;

/// <summary>One problem with a <see cref="VmSpec"/>: the field's JSON path (<c>disks[1].path</c>) and a one-line message.</summary>
public sealed record SpecError(string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Message}";
}
