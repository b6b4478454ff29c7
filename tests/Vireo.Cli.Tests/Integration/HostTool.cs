using System.Diagnostics;

namespace Vireo.Cli.Tests.Integration;

/// <summary>Runs a host tool (qemu-img, e2fsck...) and captures what it printed.</summary>
internal static class HostTool
{
    /// <summary>Runs <paramref name="tool"/> with <paramref name="args"/>; returns its exit code and stdout + stderr.</summary>
    public static (int Exit, string Output) Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
