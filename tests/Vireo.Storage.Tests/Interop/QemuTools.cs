using System.Diagnostics;

namespace Vireo.Storage.Tests.Interop;

/// <summary>
/// Runs Debian's qemu-utils (qemu-img, qemu-io), the reference implementation these tests check against. A missing
/// tool fails the test (it is listed in tests/apt-packages.txt), it never skips it.
/// </summary>
internal static class QemuTools
{
    /// <summary>True when qemu-img and qemu-io are on the PATH.</summary>
    public static bool Available { get; } = OnPath("qemu-img") && OnPath("qemu-io");

    public static (int ExitCode, string Output, string Error) Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException($"{tool} is missing: install qemu-utils (tests/apt-packages.txt)", error);
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill();
                throw new TimeoutException($"{tool} hung");
            }

            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    public static string Succeed(string tool, params string[] arguments)
    {
        (int code, string output, string error) = Run(tool, arguments);
        Assert.True(code == 0, $"{tool} {string.Join(' ', arguments)} exited {code}: {output}{error}");
        return output;
    }

    private static bool OnPath(string tool)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            if (directory.Length > 0 && File.Exists(Path.Combine(directory, tool)))
            {
                return true;
            }
        }

        return false;
    }
}
