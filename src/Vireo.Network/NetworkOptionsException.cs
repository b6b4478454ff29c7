namespace Vireo.Network;

/// <summary>
/// A <c>--net</c> specification that cannot be used (bad syntax, bad value, missing device or privilege). The message
/// is one line meant for the user; the CLI prints it and exits with code 2.
/// </summary>
public sealed class NetworkOptionsException : Exception
{
    public NetworkOptionsException(string message)
        : base(message)
    {
    }

    public NetworkOptionsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
