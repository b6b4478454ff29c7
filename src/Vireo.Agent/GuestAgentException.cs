namespace Vireo.Agent;

/// <summary>The agent answered with an error (a one-line message, for example "/x: No such file or directory").</summary>
public sealed class GuestAgentException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GuestAgentException()
    {
    }

    /// <summary>Creates the exception with the agent's message.</summary>
    public GuestAgentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public GuestAgentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
