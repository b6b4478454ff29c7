namespace Vireo.Host.Management;

/// <summary>No VM by that name (HTTP 404).</summary>
public sealed class VmNotFoundException : Exception
{
    public VmNotFoundException(string name, bool byName)
        : base($"no VM named '{name}'")
    {
        _ = byName;
        Name = name;
    }

    public VmNotFoundException()
        : this(string.Empty, true)
    {
    }

    public VmNotFoundException(string message)
        : base(message)
    {
        Name = string.Empty;
    }

    public VmNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        Name = string.Empty;
    }

    /// <summary>The name asked for.</summary>
    public string Name { get; }
}
