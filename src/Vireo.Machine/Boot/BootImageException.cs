namespace Vireo.Machine.Boot;

/// <summary>A kernel, firmware or initrd file that cannot be booted; the message is one line for the user.</summary>
public sealed class BootImageException : Exception
{
    public BootImageException(string message)
        : base(message)
    {
    }

    public BootImageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
