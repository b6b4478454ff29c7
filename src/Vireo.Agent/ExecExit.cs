namespace Vireo.Agent;

/// <summary>How a guest process ended: its exit status, or the signal that killed it.</summary>
/// <param name="ExitCode">Exit status (0-255) when <paramref name="Signal"/> is 0.</param>
/// <param name="Signal">The signal number that killed it, or 0.</param>
public readonly record struct ExecExit(int ExitCode, int Signal)
{
    /// <summary>True when the process was killed by a signal.</summary>
    public bool Signalled => Signal != 0;

    /// <summary>A shell's view: the status, or 128 + signal.</summary>
    public int ShellStatus => Signalled ? 128 + Signal : ExitCode;
}
