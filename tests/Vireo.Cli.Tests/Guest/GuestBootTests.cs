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
            "console=ttyS0 root=/dev/vda rootfstype=ext4 " + QemuGuest.ExecArgument("test -x /init && cat /etc/hostname"));

        Assert.Contains("vireo-guest: ready", result.Output);
        Assert.Contains("vireo\n", result.Output);
        Assert.Contains("vireo-guest: exit 0", result.Output);
        Assert.True(result.ExitCode == 0, $"QEMU exit code {result.ExitCode}; output:\n{result.Output}");
    }
}
