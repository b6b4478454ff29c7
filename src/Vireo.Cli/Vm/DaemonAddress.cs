using Vireo.Daemon;

namespace Vireo.Cli.Vm;

/// <summary>Where the daemon is: <c>--host unix:///path</c> or <c>tcp://addr:port</c>, else <c>VIREO_HOST</c>, else the default socket.</summary>
internal sealed record DaemonAddress(string? SocketPath, Uri? TcpBase)
{
    public static DaemonAddress Resolve(string? host)
    {
        string text = host ?? Environment.GetEnvironmentVariable("VIREO_HOST") ?? string.Empty;
        if (text.Length == 0)
        {
            return new DaemonAddress(DaemonOptions.DefaultSocketPath(), null);
        }

        if (text.StartsWith("unix://", StringComparison.Ordinal) && text.Length > "unix://".Length)
        {
            return new DaemonAddress(text["unix://".Length..], null);
        }

        if (text.StartsWith("tcp://", StringComparison.Ordinal) && Uri.TryCreate("http://" + text["tcp://".Length..], UriKind.Absolute, out Uri? uri))
        {
            return new DaemonAddress(null, uri);
        }

        throw new UserErrorException($"--host: '{text}' is not unix:///PATH or tcp://ADDRESS:PORT");
    }

    public override string ToString() => SocketPath is not null ? $"unix://{SocketPath}" : $"tcp://{TcpBase!.Authority}";
}
