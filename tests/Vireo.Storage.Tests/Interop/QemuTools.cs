using System.Diagnostics;

namespace Vireo.Storage.Tests.Interop;

/// <summary>
/// Runs Debian's qemu-utils (qemu-img, qemu-io), the reference implementation these tests check against. A missing
/// tool fails the test (it is listed in tests/apt-packages.txt), it never skips it.
/// </summary>
internal static class QemuTools
{
    public static (int ExitCode, string Output) Run(string tool, params string[] arguments)
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

            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    public static string Succeed(string tool, params string[] arguments)
    {
        (int code, string output) = Run(tool, arguments);
        Assert.True(code == 0, $"{tool} {string.Join(' ', arguments)} exited {code}: {output}");
        return output;
    }
}
