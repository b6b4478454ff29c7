namespace Vireo.Cli;

/// <summary>
/// Bad input from the user (option, file, value). The top level prints its message as one line and exits with
/// <see cref="ExitCodes.BadInput"/>; no stack trace is shown.
/// </summary>
internal sealed class UserErrorException : Exception
{
    public UserErrorException(string message)
        : base(message)
    {
    }

    public UserErrorException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
