namespace Vireo.Cli;

/// <summary>Process exit codes every command uses.</summary>
internal static class ExitCodes
{
    /// <summary>Success (and a guest that powered off cleanly).</summary>
    public const int Success = 0;

    /// <summary>A runtime failure: a guest panic, a failed build step, something not found.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: an unknown option, a missing file, a value out of range.</summary>
    public const int BadInput = 2;
}
