using Vireo.Host.Specs;

namespace Vireo.Host.Building;

/// <summary>A valid spec could not be built: a file could not be opened, a disk is locked by another VM, an image is damaged.</summary>
public sealed class VmBuildException : Exception
{
    public VmBuildException(string field, string message, Exception? inner = null)
        : base($"{field}: {message}", inner)
    {
        Error = new SpecError(field, message);
    }

    public VmBuildException()
        : this("$", "the VM could not be built")
    {
    }

    public VmBuildException(string message)
        : this("$", message)
    {
    }

    public VmBuildException(string message, Exception innerException)
        : this("$", message, innerException)
    {
    }

    /// <summary>The field whose resource failed and the one-line reason.</summary>
    public SpecError Error { get; }
}
