namespace Vireo.Cli.Tests.Integration;

/// <summary>
/// A guest reboot resets the VM and boots it again from the same images. State across the reboot lives on a small
/// raw disk: the first boot writes a marker and reboots, the second sees it and ends with a distinctive status.
/// </summary>
[Collection(nameof(GuestBootCollection))]
public sealed class RebootTests : IDisposable
{
    private const string RebootOnce =
        "if [ \"$(head -c 6 /dev/vda)\" = REBOOT ]; then echo second-boot; exit 7; fi; " +
        "printf REBOOT > /dev/vda && sync && echo first-boot && reboot -f";

    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-reboot").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AGuestRebootBootsAgainAndThenPowersOff(int cpus)
    {
        string marker = CreateMarkerDisk();

        VireoProcess.Result result = VireoProcess.Run(
            s_bootTimeout, "run", "--cpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--disk", marker + ",format=raw", "--exec", RebootOnce);

        // Exit 7 can only come from the second boot: the first one reboots instead of exiting.
        Assert.True(result.ExitCode == 7, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        int first = result.Stdout.IndexOf("first-boot", StringComparison.Ordinal);
        int second = result.Stdout.IndexOf("second-boot", StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first, $"expected first-boot then second-boot:\n{result.Stdout}");
        Assert.Equal(2, CountOccurrences(result.Stdout, "vireo-guest: ready"));
        Assert.Equal("REBOOT"u8.ToArray(), File.ReadAllBytes(marker).AsSpan(0, 6).ToArray());
    }

    [Fact]
    public void NoRebootTurnsAGuestRebootIntoExitZero()
    {
        string marker = CreateMarkerDisk();

        VireoProcess.Result result = VireoProcess.Run(
            s_bootTimeout, "run", "--no-reboot", "--disk", marker + ",format=raw", "--exec", RebootOnce);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("first-boot", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("second-boot", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, CountOccurrences(result.Stdout, "vireo-guest: ready"));
    }

    private string CreateMarkerDisk()
    {
        string path = Path.Combine(_dir, "marker.img");
        VireoProcess.Result create = VireoProcess.Run(s_bootTimeout, "disk", "create", "--format", "raw", "--size", "1M", path);
        Assert.True(create.ExitCode == 0, create.Stderr);
        return path;
    }

    private static int CountOccurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
