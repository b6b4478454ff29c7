using System.Diagnostics;
using Vireo.Host.Building;

namespace Vireo.Host.Tests.Integration;

/// <summary>
/// The default guest built for this checkout (the test script builds it before the tests run). A missing build fails
/// the test with the reason; it never passes silently.
/// </summary>
internal sealed class TestGuest : IGuestImageSource
{
    private static readonly Lazy<(GuestImages? Images, string Error)> s_located = new(Locate);

    public static TestGuest Instance { get; } = new();

    public static string RepositoryRoot
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "Vireo.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return directory ?? throw new InvalidOperationException("cannot find the repository root (Vireo.sln) above the test binaries");
        }
    }

    public static GuestImages Images => s_located.Value.Images ?? throw new InvalidOperationException($"the default guest is not built: {s_located.Value.Error}");

    public GuestImages? TryGetDefault(out string error)
    {
        error = s_located.Value.Error;
        return s_located.Value.Images;
    }

    private static (GuestImages?, string) Locate()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot, "guest", "build.sh"), "--print-path"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        string error = process.StandardError.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0 || output.Length == 0)
        {
            return (null, $"guest/build.sh --print-path failed ({error}); run ./vireo guest build");
        }

        return (new GuestImages(Path.Combine(output, "Image"), Path.Combine(output, "initramfs.cpio.gz")), string.Empty);
    }
}
