namespace Vireo.Daemon;

/// <summary>How <c>vireo serve</c> runs.</summary>
public sealed class DaemonOptions
{
    /// <summary>The Unix socket the API listens on.</summary>
    public required string SocketPath { get; init; }

    /// <summary>Where the database (and later images, VM sockets) live.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>A TCP endpoint (host:port) to serve without authentication, only when the operator asks for it; else null.</summary>
    public string? InsecureListen { get; init; }

    /// <summary>Host threads of the vCPU pool that runs every VM's harts (0: one per host core).</summary>
    public int CpuThreads { get; init; }

    /// <summary>How long daemon shutdown waits for each VM's graceful stop.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The default socket: <c>$XDG_RUNTIME_DIR/vireo/vireo.sock</c>, or <c>/run/vireo/vireo.sock</c> as root.</summary>
    public static string DefaultSocketPath()
    {
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is not { Length: > 0 })
        {
            return Environment.UserName == "root" ? "/run/vireo/vireo.sock" : Path.Combine(Path.GetTempPath(), $"vireo-{Environment.UserName}", "vireo.sock");
        }

        return Path.Combine(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR")!, "vireo", "vireo.sock");
    }

    /// <summary>The default state directory: <c>$XDG_STATE_HOME/vireo</c> (~/.local/state/vireo), or <c>/var/lib/vireo</c> as root.</summary>
    public static string DefaultStateDirectory()
    {
        if (Environment.UserName == "root")
        {
            return "/var/lib/vireo";
        }

        string? state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        return Path.Combine(state is { Length: > 0 } ? state : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"), "vireo");
    }
}
