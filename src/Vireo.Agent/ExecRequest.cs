namespace Vireo.Agent;

/// <summary>A process to run in the guest.</summary>
/// <param name="Arguments">argv; the first is looked up in the guest's PATH.</param>
public sealed record ExecRequest(IReadOnlyList<string> Arguments)
{
    /// <summary>Environment as NAME=VALUE; empty inherits the agent's (PATH=/bin:/sbin:/usr/bin:/usr/sbin).</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    /// <summary>Working directory; empty keeps the agent's (/).</summary>
    public string WorkingDirectory { get; init; } = string.Empty;

    /// <summary>Run on a pseudo-terminal (stdout and stderr merged into stdout).</summary>
    public bool Tty { get; init; }

    /// <summary>Terminal rows (with <see cref="Tty"/>).</summary>
    public int Rows { get; init; } = 24;

    /// <summary>Terminal columns (with <see cref="Tty"/>).</summary>
    public int Columns { get; init; } = 80;
}
