using System.Diagnostics;
using System.Text;

namespace Vireo.Cli.Tests.Integration;

/// <summary>Runs the real <c>vireo</c> CLI (built next to the tests) as a child process, as a user would.</summary>
internal static class VireoProcess
{
    /// <summary>What a finished run printed and returned.</summary>
    internal sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    /// <summary>Runs <c>vireo ARGS</c> and waits up to <paramref name="timeout"/>; a run that takes longer is killed and fails the test.</summary>
    public static Result Run(TimeSpan timeout, params string[] args) => Run(timeout, marker: null, args);

    /// <summary>
    /// Runs <c>vireo ARGS</c> until <paramref name="killMarker"/> appears on its standard output, then kills it with
    /// SIGKILL (no chance to flush or close anything: a host crash as far as the process is concerned). A run that
    /// exits or times out before the marker fails the test.
    /// </summary>
    public static Result RunUntilKilled(TimeSpan timeout, string killMarker, params string[] args) => Run(timeout, killMarker, args);

    /// <summary>
    /// Runs <c>vireo ARGS</c>, types <paramref name="input"/> on its standard input once <paramref name="marker"/>
    /// appears on its standard output (then closes it), and waits for it to exit. A run that exits or times out
    /// before the marker fails the test.
    /// </summary>
    public static Result RunTyping(TimeSpan timeout, string marker, string input, params string[] args) =>
        Run(timeout, marker, args, input);

    /// <summary>
    /// Runs <c>vireo ARGS</c> until <paramref name="marker"/> appears on its standard output, then sends it
    /// <paramref name="signal"/> (2 SIGINT, 15 SIGTERM) and waits for it to exit. A run that exits or times out before
    /// the marker fails the test.
    /// </summary>
    public static Result RunUntilSignalled(TimeSpan timeout, string marker, int signal, params string[] args) =>
        Run(timeout, marker, args, input: null, signal);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static Result Run(TimeSpan timeout, string? marker, string[] args, string? input = null, int signal = 0)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "vireo.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(cli);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        if (input is null)
        {
            process.StandardInput.Close();
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var marked = new ManualResetEventSlim(false);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }

                if (marker is not null && e.Data.Contains(marker, StringComparison.Ordinal))
                {
                    marked.Set();
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (marker is not null)
        {
            bool seen = false;
            while (!process.HasExited && stopwatch.Elapsed < timeout)
            {
                if (marked.Wait(TimeSpan.FromMilliseconds(50)))
                {
                    seen = true;
                    break;
                }
            }

            seen |= marked.IsSet && !process.HasExited;

            if (!seen)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.WaitForExit();
                Assert.Fail($"vireo {string.Join(' ', args)} never printed '{marker}'.\nstdout:\n{stdout}\nstderr:\n{stderr}");
            }

            if (signal != 0)
            {
                Assert.Equal(0, Kill(process.Id, signal));
            }
            else if (input is null)
            {
                // Process.Kill sends SIGKILL on Unix.
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return new Result(process.ExitCode, stdout.ToString(), stderr.ToString(), stopwatch.Elapsed);
            }
            else
            {
                process.StandardInput.Write(input);
                process.StandardInput.Close();
            }
        }

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"vireo {string.Join(' ', args)} did not finish within {timeout}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString(), stopwatch.Elapsed);
    }
}
