using System.Diagnostics;
using System.Text;

namespace Vireo.Cli.Tests.Integration;

/// <summary>Runs the real <c>vireo</c> CLI (built next to the tests) as a child process, as a user would.</summary>
internal static class VireoProcess
{
    /// <summary>What a finished run printed and returned.</summary>
    internal sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    /// <summary>Runs <c>vireo ARGS</c> and waits up to <paramref name="timeout"/>; a run that takes longer is killed and fails the test.</summary>
    public static Result Run(TimeSpan timeout, params string[] args)
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
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
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
