namespace Vireo.Host.Lifecycle;

/// <summary>A lifecycle request was allowed but did not succeed (a pause that did not quiesce, a boot that failed).</summary>
public sealed class VmOperationException : Exception
{
    public VmOperationException()
    {
    }

    public VmOperationException(string message)
        : base(message)
    {
    }

    public VmOperationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
