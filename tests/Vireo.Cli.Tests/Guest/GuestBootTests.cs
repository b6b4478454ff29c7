using System.Text.RegularExpressions;

namespace Vireo.Cli.Tests.Guest;

/// <summary>
/// Boots the built guest in QEMU to check the init end to end: ready line, vireo.exec, exit status through the
/// SiFive test device, and the same tree on the ext4 root disk.
/// </summary>
public sealed class GuestBootTests : IClassFixture<BuiltGuest>
{
    private readonly BuiltGuest _guest;

    public GuestBootTests(BuiltGuest guest)
    {
        _guest = guest;
    }

    [Fact]
    public void InitramfsRunsExecCommandAndReportsItsStatus()
    {
        // Quotes, a pipe, a semicolon and a dollar sign must all survive the kernel command line.
        const string Command = "echo \"hello from $(uname -m)\" | tr a-z A-Z; cat /proc/mounts | grep -c devtmpfs; exit 3";

        QemuGuest.Result result = QemuGuest.Boot(
            _guest.Artifacts.Kernel,
            ["-initrd", _guest.Artifacts.Initrd],
            "console=ttyS0 " + QemuGuest.ExecArgument(Command));

        Assert.Contains("vireo-guest: ready", result.Output);
        Assert.Contains("HELLO FROM RISCV64", result.Output);
        Assert.Contains("vireo-guest: exit 3", result.Output);
        Assert.True(result.ExitCode == 3, $"QEMU exit code {result.ExitCode}; output:\n{result.Output}");
    }

    [Fact]
    public void RootDiskBootsAndExitsWithSuccess()
    {
        QemuGuest.Result result = QemuGuest.Boot(
            _guest.Artifacts.Kernel,
            [
                "-drive", $"file={_guest.Artifacts.RootDisk},format=raw,if=none,id=root,snapshot=on",
                "-device", "virtio-blk-device,drive=root",
            ],
            "console=ttyS0 root=/dev/vda rootfstype=ext4 " + QemuGuest.ExecArgument("test -x /init && echo \"host=$(cat /etc/hostname) root=$(grep ' / ' /proc/mounts | cut -d' ' -f3)\""));

        Assert.Contains("vireo-guest: ready", result.Output);
        Assert.True(result.Output.Contains("host=vireo root=ext4", StringComparison.Ordinal), result.Output);
        Assert.Contains("vireo-guest: exit 0", result.Output);
        Assert.True(result.ExitCode == 0, $"QEMU exit code {result.ExitCode}; output:\n{result.Output}");
    }

    [Fact]
    public void WithoutExecTheInitStartsAShellOnTheConsoleAndPowersOffWhenItExits()
    {
        QemuGuest.Result result = QemuGuest.Boot(
            _guest.Artifacts.Kernel,
            ["-initrd", _guest.Artifacts.Initrd],
            "console=ttyS0",
            consoleInput: "echo shell-$((6 * 7)) $(tty)\nexit\n");

        Assert.Contains("vireo-guest: ready", result.Output);
        // The shell has the kernel console as its controlling terminal (cttyhack), and its output arrives.
        Assert.Contains("shell-42 /dev/ttyS0", result.Output);
        Assert.DoesNotContain("vireo-guest: exit", result.Output);
        Assert.True(result.ExitCode == 0, $"QEMU exit code {result.ExitCode}; output:\n{result.Output}");
    }

    [Fact]
    public void BenchmarkProgramPrintsPortableChecksums()
    {
        const string Command = "for w in 'int 10' 'branch 10' 'mem 1' 'pagefault 2' 'syscall 3' 'fp 1000'; do vireo-bench $w; done";

        QemuGuest.Result result = QemuGuest.Boot(
            _guest.Artifacts.Kernel,
            ["-initrd", _guest.Artifacts.Initrd],
            "console=ttyS0 " + QemuGuest.ExecArgument(Command));

        // Checksums computed by the same program built for x86-64: integer workloads are architecture-neutral.
        Assert.Matches(BenchLine("int", 10, "19064"), result.Output);
        Assert.Matches(BenchLine("branch", 10, "741276866"), result.Output);
        Assert.Matches(BenchLine("mem", 1, "549755289600"), result.Output);
        Assert.Matches(BenchLine("pagefault", 2, "263168"), result.Output);
        Assert.Matches(BenchLine("syscall", 3, "21"), result.Output);
        // Floating point may contract to fused multiply-add on RISC-V, so only the line's shape is fixed.
        Assert.Matches(BenchLine("fp", 1000, "[0-9]+"), result.Output);
        Assert.True(result.ExitCode == 0, $"QEMU exit code {result.ExitCode}; output:\n{result.Output}");
    }

    private static Regex BenchLine(string name, int iterations, string checksum) =>
        new($"(?m)^vireo-bench {name} {iterations} [0-9]+ {checksum}\r?$");
}
