namespace Vireo.Cli.Tests.Integration;

/// <summary>
/// <c>vireo run</c>'s exits with a real guest (issue 19, items 5, 11, 12 and 13): a guest's own status is never read
/// as Vireo's, a long <c>--exec</c> works, a signal stops the VM in order, a failing console file is said once.
/// </summary>
[Collection(nameof(GuestBootCollection))]
public sealed class RunExitTests : IDisposable
{
    private const string WrittenMarker = "vireo-test-written";
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-run-exit").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AGuestsExitTwoIsTheGuestsAndVireosBadInputIsNot()
    {
        VireoProcess.Result guest = VireoProcess.Run(s_bootTimeout, "run", "--exec", "exit 2");
        Assert.True(guest.ExitCode == 2, $"exit {guest.ExitCode}\n{guest.Stdout}\n{guest.Stderr}");
        Assert.Contains("vireo-guest: exit 2", guest.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("vireo: ", guest.Stderr, StringComparison.Ordinal);

        VireoProcess.Result bad = VireoProcess.Run(s_bootTimeout, "run", "--memory", "8M", "--exec", "exit 2");
        Assert.Equal(ExitCodes.RunNotStarted, bad.ExitCode);
        Assert.DoesNotContain("vireo-guest", bad.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void AGuestStatusInVireosRangeIsReportedAs124WithTheRealOne()
    {
        VireoProcess.Result result = VireoProcess.Run(s_bootTimeout, "run", "--exec", "exit 125");
        Assert.True(result.ExitCode == ExitCodes.GuestStatusOutOfRange, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("vireo: the guest's exit status is 125; exiting with 124", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A1500CharacterExecCommandRuns()
    {
        // Too long for the kernel command line in base64 (2,000+ characters): it goes in the initramfs instead.
        string command = ": " + new string('x', 1480) + "; echo long-exec-$((6 * 7)); exit 5";
        Assert.True(command.Length >= 1500);
        VireoProcess.Result result = VireoProcess.Run(s_bootTimeout, "run", "--exec", command);
        Assert.True(result.ExitCode == 5, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("long-exec-42", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(2)]
    public void ASignalStopsTheVmInOrderAndUnsyncedWritesReachTheImage(int signal)
    {
        string image = Path.Combine(_dir, "data.qcow2");
        (int created, string output) = HostTool.Run("qemu-img", "create", "-q", "-f", "qcow2", image, "64M");
        Assert.True(created == 0, output);

        // O_DIRECT writes reach the virtual disk at once, but the guest never flushes it: only an orderly close of the
        // writeback image (its data and the qcow2 metadata that maps it) puts them in the host file.
        VireoProcess.Result result = VireoProcess.RunUntilSignalled(
            s_bootTimeout, WrittenMarker, signal, "run", "--disk", image + ",cache=writeback",
            "--exec", $"printf 'vireo-signal-data' | dd of=/dev/vda bs=512 seek=8192 conv=sync oflag=direct 2>/dev/null && echo {WrittenMarker} && sleep 600");
        Assert.True(result.ExitCode == ExitCodes.Signalled(signal), $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains($"vireo: terminated by signal {signal}", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("vireo-guest: exit", result.Stdout, StringComparison.Ordinal);

        (int check, string checkOutput) = HostTool.Run("qemu-img", "check", image);
        Assert.True(check == 0, checkOutput);
        string raw = Path.Combine(_dir, "data.raw");
        Assert.Equal(0, HostTool.Run("qemu-img", "convert", "-O", "raw", image, raw).Exit);
        using FileStream flat = File.OpenRead(raw);
        flat.Position = 8192L * 512;
        byte[] data = new byte[17];
        flat.ReadExactly(data);
        Assert.Equal("vireo-signal-data", System.Text.Encoding.ASCII.GetString(data));
    }

    [Fact]
    public void AConsoleFileThatCannotBeWrittenIsSaidOnceAndTheGuestFinishes()
    {
        // The choice: the console is not worth the run. The guest keeps running, its output is dropped.
        VireoProcess.Result result = VireoProcess.Run(s_bootTimeout, "run", "--serial", "file:/dev/full", "--exec", "echo hello; exit 3");
        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string line = Assert.Single(lines);
        Assert.StartsWith("vireo: --serial file:/dev/full: ", line, StringComparison.Ordinal);
        Assert.Contains("No space left on device", line, StringComparison.Ordinal);
    }
}
