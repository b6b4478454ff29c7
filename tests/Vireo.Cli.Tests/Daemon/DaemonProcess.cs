using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Vireo.Cli.Tests.Daemon;

/// <summary>A real <c>vireo serve</c> child process on a temporary socket and state directory.</summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DaemonProcess(Process process, string socket)
    {
        _process = process;
        SocketPath = socket;
    }

    public string SocketPath { get; }

    public string Host => $"unix://{SocketPath}";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the daemon and waits until its socket accepts connections.</summary>
    public static DaemonProcess Start(string socket, string stateDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "vireo.dll"), "serve", "--socket", socket, "--state-dir", stateDirectory })
        {
            start.ArgumentList.Add(arg);
        }

        var daemon = new DaemonProcess(Process.Start(start)!, socket);
        daemon._process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        daemon._process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        daemon._process.BeginOutputReadLine();
        daemon._process.BeginErrorReadLine();
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (daemon._process.HasExited)
            {
                throw new InvalidOperationException($"vireo serve exited with {daemon._process.ExitCode}: {daemon.Output}");
            }

            try
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                probe.Connect(new UnixDomainSocketEndPoint(socket));
                return daemon;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        daemon.Dispose();
        throw new TimeoutException($"vireo serve did not listen on {socket} within {timeout.TotalSeconds} s: {daemon.Output}");
    }

    /// <summary>SIGKILL: the daemon gets no chance to stop anything or write anything.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
