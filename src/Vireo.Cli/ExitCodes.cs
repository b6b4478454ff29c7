namespace Vireo.Cli;

/// <summary>
/// Process exit codes every command uses: the one place the numbers live (README's exit-code table and
/// <c>vireo run --help</c> say the same).
/// <para>
/// <c>vireo run</c> passes a guest's status through (an <c>--exec</c> command's exit status, a fail code written to the
/// test device), and a guest status can be any of 0-255, 2 included (make, grep, diff, a shell's usage error). So the
/// run command keeps its own outcomes out of the low range, as <c>docker run</c> does (125 docker failed, 126/127 the
/// command could not be invoked or found): a status from 1 to 124, or 127 (the guest shell's "not found"), is always
/// the guest's; 125, 126 and 128 + N are always Vireo's.
/// </para>
/// </summary>
internal static class ExitCodes
{
    /// <summary>Success (and a guest that powered off cleanly).</summary>
    public const int Success = 0;

    /// <summary>A runtime failure of a command other than run: a failed build step, something not found.</summary>
    public const int Failure = 1;

    /// <summary>Bad input to a command other than run: an unknown option, a missing file, a value out of range.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// <c>vireo run</c> did not start a guest: bad input (an unknown option, a missing file, a value out of range) or a
    /// VM that could not be built. Nothing ran; one line on stderr says why.
    /// </summary>
    public const int RunNotStarted = 125;

    /// <summary>
    /// <c>vireo run</c>: the VM failed while running: the guest kernel panicked, a hart is stuck in a double fault, or
    /// Vireo hit an internal error. One line on stderr (after the guest's last console lines) says which.
    /// </summary>
    public const int RunCrashed = 126;

    /// <summary><c>vireo run</c> was stopped by signal N (SIGINT, SIGTERM): the code is this plus N, as a shell reports it.</summary>
    public const int SignalBase = 128;

    /// <summary>
    /// A guest status that cannot pass through as is (125-255 but 127, read as Vireo's own; 256 and up, which would
    /// wrap): the run exits with this and says the real status on stderr. Still the guest's.
    /// </summary>
    public const int GuestStatusOutOfRange = 124;

    /// <summary>True for a guest status the run can exit with as is: 1-124 and 127.</summary>
    public static bool IsGuestStatus(int code) => code is > 0 and <= GuestStatusOutOfRange or 127;

    /// <summary>The code for a run ended by <paramref name="signal"/> (2 for SIGINT, 15 for SIGTERM).</summary>
    public static int Signalled(int signal) => SignalBase + signal;
}
