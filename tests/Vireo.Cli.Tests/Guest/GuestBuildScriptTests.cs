using System.Diagnostics;
using Vireo.Cli.Guest;

namespace Vireo.Cli.Tests.Guest;

/// <summary>Checks guest/build.sh's cache addressing: the one place the inputs hash is computed.</summary>
public sealed class GuestBuildScriptTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("vireo-guest-test-").FullName;
    private readonly string _repositoryRoot = GuestBuildScript.TryLocate()?.RepositoryRoot
        ?? throw new InvalidOperationException("cannot find guest/build.sh above the test directory");

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void PrintPathWithEmptyCacheExitsOneWithOneClearLine()
    {
        (int exitCode, string output, string errors) = Run(Path.Combine(_repositoryRoot, "guest"), "--print-path");

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        string line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("not built", line);
        Assert.Contains("./vireo guest build", line);
    }

    [Fact]
    public void InputsHashIsStableAndCoversEveryGuestFile()
    {
        string copy = Path.Combine(_temp, "guest");
        DirectoryTree.Copy(Path.Combine(_repositoryRoot, "guest"), copy);

        Dictionary<string, string> first = PrintKeys(copy);
        Dictionary<string, string> again = PrintKeys(copy);
        File.AppendAllText(Path.Combine(copy, "rootfs", "etc", "hosts"), "10.0.2.2\thost\n");
        Dictionary<string, string> rootfsChanged = PrintKeys(copy);
        File.AppendAllText(Path.Combine(copy, "linux", "vireo.config"), "CONFIG_IKCONFIG=y\n");
        Dictionary<string, string> kernelChanged = PrintKeys(copy);

        Assert.Matches("^[0-9a-f]{16}$", first["guest"]);
        Assert.Equal(first, again);
        // A root file system change re-runs only the cheap steps: the kernel and BusyBox stay cached.
        Assert.NotEqual(first["guest"], rootfsChanged["guest"]);
        Assert.Equal(first["kernel"], rootfsChanged["kernel"]);
        Assert.Equal(first["busybox"], rootfsChanged["busybox"]);
        Assert.NotEqual(rootfsChanged["kernel"], kernelChanged["kernel"]);
        Assert.NotEqual(rootfsChanged["guest"], kernelChanged["guest"]);
        Assert.Equal(rootfsChanged["busybox"], kernelChanged["busybox"]);
    }

    [Fact]
    public void PrintHashIsTheGuestKey()
    {
        string guestDirectory = Path.Combine(_repositoryRoot, "guest");
        (int exitCode, string output, string errors) = Run(guestDirectory, "--print-hash");

        Assert.True(exitCode == 0, errors);
        Assert.Equal(PrintKeys(guestDirectory)["guest"], output.Trim());
    }

    private Dictionary<string, string> PrintKeys(string guestDirectory)
    {
        (int exitCode, string output, string errors) = Run(guestDirectory, "--print-keys");
        Assert.True(exitCode == 0, errors);
        var keys = new Dictionary<string, string>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ');
            keys[parts[0]] = parts[1];
        }

        return keys;
    }

    private (int ExitCode, string Output, string Errors) Run(string guestDirectory, string argument)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(guestDirectory, "build.sh"));
        info.ArgumentList.Add(argument);
        // An empty cache: nothing is built there.
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(_temp, "cache");
        using Process process = Process.Start(info)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errors.Result);
    }
}
