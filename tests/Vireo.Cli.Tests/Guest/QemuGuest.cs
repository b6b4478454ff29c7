using System.Diagnostics;
using System.Text;

namespace Vireo.Cli.Tests.Guest;

/// <summary>
/// Boots the built guest in QEMU's riscv64 <c>virt</c> board (qemu-system-misc, installed by the test script) to
/// check the guest's init independently of Vireo's own machine.
/// </summary>
internal static class QemuGuest
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    /// <summary>What QEMU printed and its exit code (the guest's status through the SiFive test device).</summary>
    internal sealed record Result(int ExitCode, string Output);

    /// <summary>Boots with the given extra QEMU arguments and kernel command line; kills QEMU after a timeout.</summary>
    public static Result Boot(string kernel, IEnumerable<string> extraArguments, string commandLine)
    {
        var info = new ProcessStartInfo("qemu-system-riscv64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "-M", "virt", "-m", "256M", "-smp", "2", "-nographic", "-no-reboot", "-bios", "default",
            "-kernel", kernel, "-append", commandLine,
        })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string argument in extraArguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"QEMU did not finish within {s_timeout}; output:\n{Text(output)}");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, Text(output));
    }

    /// <summary>The kernel command-line argument asking the init to run <paramref name="command"/>.</summary>
    public static string ExecArgument(string command) =>
        "vireo.exec=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(command));

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
