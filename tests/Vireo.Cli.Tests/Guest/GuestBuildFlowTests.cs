using System.Diagnostics;
using Vireo.Cli.Guest;

namespace Vireo.Cli.Tests.Guest;

/// <summary>
/// Runs guest/build.sh end to end on a copy of guest/ whose kernel and BusyBox recipes are replaced by fast stubs,
/// with an empty cache: checks the progress lines, the temporary-directory-then-rename publishing, the cached
/// second run, and the one-line error of a failed step.
/// </summary>
public sealed class GuestBuildFlowTests : IDisposable
{
    private const string KernelStub = """
        #!/usr/bin/env bash
        set -euo pipefail
        case "$1" in
          config) echo "stub config"; mkdir -p "$2/src" ;;
          image) echo "stub image"; [[ -z "${STUB_FAIL:-}" ]] || { echo "boom: kernel failed"; exit 3; }
                 printf 'stub-kernel' >"$2/Image"; echo stub >"$2/config" ;;
        esac
        """;

    private const string BusyboxStub = """
        #!/usr/bin/env bash
        set -euo pipefail
        printf 'stub-busybox' >"$1/busybox"
        printf '/bin/sh\n/sbin/devmem\n/sbin/init\n' >"$1/busybox.links"
        echo stub >"$1/config"
        """;

    private readonly string _temp = Directory.CreateTempSubdirectory("vireo-guest-flow-").FullName;
    private readonly string _guest;
    private readonly string _cache;

    public GuestBuildFlowTests()
    {
        string root = GuestBuildScript.TryLocate()?.RepositoryRoot
            ?? throw new InvalidOperationException("cannot find guest/build.sh above the test directory");
        _guest = Path.Combine(_temp, "guest");
        _cache = Path.Combine(_temp, "cache");
        DirectoryTree.Copy(Path.Combine(root, "guest"), _guest);
        // The benchmark is compiled by the real cross compiler in the real build; not needed here.
        Directory.Delete(Path.Combine(_guest, "bench"), recursive: true);
        File.WriteAllText(Path.Combine(_guest, "linux", "build-kernel.sh"), KernelStub.ReplaceLineEndings("\n") + "\n");
        File.WriteAllText(Path.Combine(_guest, "busybox", "build-busybox.sh"), BusyboxStub.ReplaceLineEndings("\n") + "\n");
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void BuildPublishesCompleteArtifactsAndASecondRunReusesThem()
    {
        (int exitCode, string output, string errors) = Run();

        Assert.True(exitCode == 0, errors + output);
        string[] lines = Lines(output);
        string directory = lines[^1];
        Assert.Equal(Path.Combine(_cache, "vireo", "guest", Path.GetFileName(directory)), directory);
        Assert.Contains(lines, l => l.StartsWith("[ 3/7] kernel: building Image ... done in ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[ 6/7] rootfs: ", StringComparison.Ordinal) && l.Contains(" done in ", StringComparison.Ordinal));
        Assert.Equal("stub-kernel", File.ReadAllText(Path.Combine(directory, "Image")));
        Assert.True(File.Exists(Path.Combine(directory, "manifest.json")));
        Assert.True(File.Exists(Path.Combine(directory, "rootfs.ext4")));
        // Nothing temporary is left next to the published directories.
        Assert.Empty(Directory.GetDirectories(Path.Combine(_cache, "vireo", "guest"), "*.tmp.*"));
        string kernel = Assert.Single(Directory.GetDirectories(Path.Combine(_cache, "vireo", "guest-kernel")));
        Assert.Matches("^[0-9a-f]{16}$", Path.GetFileName(kernel));

        (int againCode, string againOutput, _) = Run();

        Assert.Equal(0, againCode);
        string[] again = Lines(againOutput);
        Assert.Equal(directory, again[^1]);
        Assert.Contains(again, l => l.Contains("cached", StringComparison.Ordinal));
        Assert.DoesNotContain(again, l => l.Contains("building", StringComparison.Ordinal));
    }

    [Fact]
    public void FailedStepPrintsOneErrorLineNamingTheStepAndItsLog()
    {
        (int exitCode, string output, string errors) = Run(("STUB_FAIL", "1"));

        Assert.Equal(1, exitCode);
        string error = Assert.Single(Lines(errors));
        string log = Path.Combine(_cache, "vireo", "guest-logs", "kernel.log");
        Assert.Equal($"error: guest build step 'kernel' (building Image) failed with exit code 3; see log: {log}", error);
        Assert.Contains("boom: kernel failed", File.ReadAllText(log));
        Assert.Contains("[ 3/7] kernel: building Image ... failed", output);
        // A failed build publishes nothing and leaves no temporary directories.
        Assert.Empty(Directory.GetDirectories(Path.Combine(_cache, "vireo", "guest-kernel")));
        Assert.False(Directory.Exists(Path.Combine(_cache, "vireo", "guest")) &&
            Directory.GetDirectories(Path.Combine(_cache, "vireo", "guest")).Length > 0);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private (int ExitCode, string Output, string Errors) Run(params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(_guest, "build.sh"));
        info.Environment["XDG_CACHE_HOME"] = _cache;
        foreach ((string name, string value) in environment)
        {
            info.Environment[name] = value;
        }

        using Process process = Process.Start(info)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errors.Result);
    }
}
