namespace Vireo.Host.Management;

/// <summary>No VM by that name (HTTP 404).</summary>
public sealed class VmNotFoundException : Exception
{
    /// <summary>No VM named <paramref name="name"/>.</summary>
    public static VmNotFoundException For(string name) => new($"no VM named '{name}'") { Name = name };

    public VmNotFoundException()
        : base("no such VM")
    {
    }

    public VmNotFoundException(string message)
        : base(message)
    {
    }

    public VmNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The name asked for (empty when unknown).</summary>
    public string Name { get; private init; } = string.Empty;
}
