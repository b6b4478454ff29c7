using System.Security.Cryptography;
using Vireo.Cli.Guest;

namespace Vireo.Cli.Tests.Integration;

/// <summary>Boots the default guest with its root file system on a qcow2 overlay over the project's ext4 image.</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class DiskBootTests : IDisposable
{
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-disk-boot").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FilesWrittenOnAQcow2OverlaySurviveARebootAndTheImageStaysClean()
    {
        string baseImage = Path.Combine(_dir, "base.ext4");
        File.Copy(GuestArtifacts.Locate().RootDisk, baseImage);
        byte[] baseHash = SHA256.HashData(File.ReadAllBytes(baseImage));
        string overlay = Path.Combine(_dir, "overlay.qcow2");
        VireoProcess.Result create = VireoProcess.Run(s_bootTimeout, "disk", "create", "--format", "qcow2", "--backing", baseImage, "--backing-format", "raw", overlay);
        Assert.True(create.ExitCode == 0, create.Stderr);

        VireoProcess.Result write = VireoProcess.Run(
            s_bootTimeout, "run", "--disk", overlay, "--append", "root=/dev/vda",
            "--exec", "grep -q '/dev/root / ext4' /proc/mounts && echo persisted-$((6*7)) > /root/marker && dd if=/dev/zero of=/root/blob bs=64k count=32 2>/dev/null && sync && echo written");
        Assert.True(write.ExitCode == 0, $"exit {write.ExitCode}\n{write.Stdout}\n{write.Stderr}");
        Assert.Contains("written", write.Stdout, StringComparison.Ordinal);

        VireoProcess.Result read = VireoProcess.Run(
            s_bootTimeout, "run", "--disk", overlay, "--append", "root=/dev/vda",
            "--exec", "cat /root/marker && wc -c < /root/blob && rm /root/blob && sync");
        Assert.True(read.ExitCode == 0, $"exit {read.ExitCode}\n{read.Stdout}\n{read.Stderr}");
        Assert.Contains("persisted-42", read.Stdout, StringComparison.Ordinal);
        Assert.Contains("2097152", read.Stdout, StringComparison.Ordinal);

        // The base never changes; QEMU's own checker finds the overlay consistent, and the file system is clean.
        Assert.Equal(baseHash, SHA256.HashData(File.ReadAllBytes(baseImage)));
        (int checkExit, string checkOutput) = HostTool.Run("qemu-img", "check", overlay);
        Assert.True(checkExit == 0, checkOutput);
        Assert.Contains("No errors were found", checkOutput, StringComparison.Ordinal);
        string flat = Path.Combine(_dir, "flat.raw");
        Assert.Equal(0, HostTool.Run("qemu-img", "convert", "-O", "raw", overlay, flat).Exit);
        (int fsckExit, string fsckOutput) = HostTool.Run("e2fsck", "-fn", flat);
        Assert.True(fsckExit == 0, fsckOutput);
    }
}
