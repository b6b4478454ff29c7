namespace Vireo.Cli.Guest;

/// <summary>
/// The guest images are missing or cannot be built (a runtime failure, exit code 1). Its message is one line meant
/// for the user.
/// </summary>
internal sealed class GuestBuildException : Exception
{
    public GuestBuildException(string message)
        : base(message)
    {
    }

    public GuestBuildException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
