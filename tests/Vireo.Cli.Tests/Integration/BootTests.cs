namespace Vireo.Cli.Tests.Integration;

/// <summary>Boots the real default guest (Linux 6.1 + BusyBox) and checks it through <c>vireo run --exec</c>.</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class BootTests
{
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(5);

    private static VireoProcess.Result Exec(string command, params string[] extra)
    {
        string[] args = ["run", "--exec", command, .. extra];
        return VireoProcess.Run(s_bootTimeout, args);
    }

    [Fact]
    public void UnameReportsRiscv64()
    {
        VireoProcess.Result result = Exec("uname -m");
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("riscv64", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void NprocSeesEveryHart(int cpus)
    {
        VireoProcess.Result result = Exec("echo cpus=$(nproc)", "--cpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains($"cpus={cpus}", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(42)]
    public void CommandExitStatusBecomesTheProcessExitCode(int status)
    {
        VireoProcess.Result result = Exec($"echo before-exit; exit {status}");
        Assert.Equal(status, result.ExitCode);
        Assert.Contains("before-exit", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void BootsThroughDebianOpenSbiFwJump()
    {
        const string Firmware = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin";
        Assert.True(File.Exists(Firmware), $"{Firmware} is missing: the test setup installs Debian's opensbi package");
        VireoProcess.Result result = Exec("uname -m", "--bios", Firmware);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("riscv64", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void UserSpaceReadsTheTimerThroughTheVdso()
    {
        // dd and date call clock_gettime, which reads the time CSR from U-mode: the firmware must allow it.
        VireoProcess.Result result = Exec("dd if=/dev/zero of=/tmp/probe bs=1k count=16 && date +%Y > /dev/null && echo clock-ok");
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("clock-ok", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Illegal instruction", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyboardInputReachesAShellOnTheSbiConsole()
    {
        // console=hvc0 puts the shell on the SBI console; its getchar reads what the UART received, as OpenSBI does.
        VireoProcess.Result result = VireoProcess.RunTyping(
            s_bootTimeout, "vireo-guest: ready", "echo sbi-$((6*7))\npoweroff -f\n", "run", "--append", "console=hvc0");
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("sbi-42", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void BothEnginesComputeTheSameBenchmarkChecksums()
    {
        // vireo-bench prints "vireo-bench WORKLOAD ITERATIONS MS CHECKSUM"; the checksums depend only on the guest's arithmetic.
        const string Workloads = "vireo-bench int 300 && vireo-bench mem 2 && vireo-bench branch 2";
        string[] jit = Checksums(Exec(Workloads, "--engine", "jit"));
        string[] interpreter = Checksums(Exec(Workloads, "--engine", "interpreter"));
        Assert.Equal(3, jit.Length);
        Assert.Equal(interpreter, jit);
    }

    private static string[] Checksums(VireoProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var checksums = new List<string>();
        foreach (string line in result.Stdout.Split('\n'))
        {
            string[] fields = line.Trim().Split(' ');
            if (fields.Length == 5 && fields[0] == "vireo-bench")
            {
                checksums.Add($"{fields[1]} {fields[2]} {fields[4]}");
            }
        }

        return [.. checksums];
    }

    [Fact]
    public void UnknownEngineIsRefusedWithOneLine()
    {
        VireoProcess.Result result = VireoProcess.Run(s_bootTimeout, "run", "--engine", "kvm", "--exec", "true");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--engine: must be jit or interpreter", result.Stderr, StringComparison.Ordinal);
    }
}
