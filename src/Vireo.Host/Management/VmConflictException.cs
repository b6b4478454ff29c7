namespace Vireo.Host.Management;

/// <summary>A request that conflicts with what exists (a taken name, too many VMs; HTTP 409).</summary>
public sealed class VmConflictException : Exception
{
    public VmConflictException()
    {
    }

    public VmConflictException(string message)
        : base(message)
    {
    }

    public VmConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
