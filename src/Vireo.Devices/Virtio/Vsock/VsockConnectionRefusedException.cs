namespace Vireo.Devices.Virtio.Vsock;

/// <summary>The guest answered a connection request with RST: nothing listens on that port (yet), or the device reset.</summary>
public sealed class VsockConnectionRefusedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public VsockConnectionRefusedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public VsockConnectionRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public VsockConnectionRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
