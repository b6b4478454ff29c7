using System.Text.RegularExpressions;
using Vireo.Cli.Guest;

namespace Vireo.Cli.Tests.Integration;

/// <summary>
/// What the guest synced survives a SIGKILL of the Vireo process: the flush path must have put data and image
/// metadata in the host files (in an order that keeps the image consistent) before the guest saw the flush complete.
/// </summary>
[Collection(nameof(GuestBootCollection))]
public sealed partial class DurabilityTests : IDisposable
{
    private const string SyncedMarker = "vireo-test-synced";
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-durability").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SyncedFilesOnAQcow2OverlaySurviveAKilledVireoAndTheImageStaysConsistent()
    {
        string baseImage = Path.Combine(_dir, "base.ext4");
        File.Copy(GuestArtifacts.Locate().RootDisk, baseImage);
        string overlay = Path.Combine(_dir, "overlay.qcow2");
        (int createExit, string createOutput) = HostTool.Run("qemu-img", "create", "-q", "-f", "qcow2", "-b", baseImage, "-F", "raw", overlay);
        Assert.True(createExit == 0, createOutput);

        string hash = WriteSyncAndKill(overlay);

        // Straight after the kill, before any guest replays its journal: no corruption (leaks are allowed here, as
        // after a QEMU crash: clusters reserved for writes that never happened).
        (int crashExit, string crashCheck) = HostTool.Run("qemu-img", "check", overlay);
        Assert.True(crashExit is 0 or 3, crashCheck);
        Assert.DoesNotContain("ERROR", crashCheck, StringComparison.Ordinal);

        ReadBackAndPowerOff(overlay, hash);

        (int checkExit, string check) = HostTool.Run("qemu-img", "check", overlay);
        Assert.True(checkExit == 0, check);
        Assert.Contains("No errors were found", check, StringComparison.Ordinal);
        string flat = Path.Combine(_dir, "flat.raw");
        Assert.Equal(0, HostTool.Run("qemu-img", "convert", "-O", "raw", overlay, flat).Exit);
        (int fsckExit, string fsck) = HostTool.Run("e2fsck", "-fn", flat);
        Assert.True(fsckExit == 0, fsck);
    }

    [Fact]
    public void SyncedFilesOnARawDiskWithCacheNoneSurviveAKilledVireo()
    {
        // cache=none: guest data goes O_DIRECT to the file, reads come back the same way on the next boot.
        string disk = Path.Combine(_dir, "root.raw");
        File.Copy(GuestArtifacts.Locate().RootDisk, disk);

        string hash = WriteSyncAndKill(disk + ",format=raw,cache=none");
        ReadBackAndPowerOff(disk + ",format=raw,cache=none", hash);

        (int fsckExit, string fsck) = HostTool.Run("e2fsck", "-fn", disk);
        Assert.True(fsckExit == 0, fsck);
    }

    /// <summary>
    /// Boots on <paramref name="disk"/>, writes 3 MiB of random data, syncs, and is killed with SIGKILL while the
    /// guest sleeps. Returns the SHA-256 the guest computed of what it wrote. The hash is taken from a tmpfs copy
    /// before the write, so the kill comes right after the sync: without the sync (or with a flush that completes
    /// before the data reached the host file) the file reads back empty.
    /// </summary>
    private static string WriteSyncAndKill(string disk)
    {
        VireoProcess.Result crashed = VireoProcess.RunUntilKilled(
            s_bootTimeout, SyncedMarker, "run", "--disk", disk, "--append", "root=/dev/vda",
            "--exec", "grep -q '/dev/root / ext4' /proc/mounts && head -c 3145728 /dev/urandom > /tmp/data && (cd /tmp && sha256sum data) && cp /tmp/data /root/data && sync && echo " + SyncedMarker + " && sleep 600");
        Match sum = HashLine().Match(crashed.Stdout);
        Assert.True(sum.Success, $"no hash printed\n{crashed.Stdout}\n{crashed.Stderr}");
        Assert.Contains(SyncedMarker, crashed.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("vireo-guest: exit", crashed.Stdout, StringComparison.Ordinal);
        return sum.Groups[1].Value;
    }

    private static void ReadBackAndPowerOff(string disk, string hash)
    {
        VireoProcess.Result read = VireoProcess.Run(
            s_bootTimeout, "run", "--disk", disk, "--append", "root=/dev/vda", "--exec", "sha256sum /root/data");
        Assert.True(read.ExitCode == 0, $"exit {read.ExitCode}\n{read.Stdout}\n{read.Stderr}");
        Assert.Contains(hash + "  /root/data", read.Stdout, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"([0-9a-f]{64})  data")]
    private static partial Regex HashLine();
}
