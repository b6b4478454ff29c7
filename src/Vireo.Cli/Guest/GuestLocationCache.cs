using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vireo.Cli.Guest;

/// <summary>
/// Remembers the artifacts directory <c>guest/build.sh --print-path</c> named, keyed by a cheap fingerprint of
/// everything its inputs hash depends on: the path, size, modification time and mode of every file under
/// <c>guest/</c>, and the dpkg and apt state (package versions). Asking the script costs a few hundred milliseconds
/// of hashing and package queries on every <c>vireo run</c>; checking the fingerprint costs a few. Any change to an
/// input changes the fingerprint, and the script is asked again, so it stays the only place that computes the hash.
/// </summary>
internal sealed class GuestLocationCache
{
    private static readonly string[] s_packageState = ["/var/lib/dpkg/status", "/var/lib/apt/lists"];
    private readonly string _guestDirectory;
    private readonly string _cacheFile;

    /// <summary>A cache for the guest sources under <paramref name="repositoryRoot"/>.</summary>
    public GuestLocationCache(string repositoryRoot, string? cacheRoot = null)
    {
        _guestDirectory = Path.Combine(repositoryRoot, "guest");
        cacheRoot ??= DefaultCacheRoot();
        // One file per checkout, so work trees side by side do not keep evicting each other's answer.
        string checkout = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(repositoryRoot))))[..16];
        _cacheFile = Path.Combine(cacheRoot, "vireo", "guest-location", checkout);
    }

    /// <summary>The remembered directory, when the inputs are unchanged since it was stored and it still holds a build.</summary>
    public bool TryGet(out string directory)
    {
        directory = string.Empty;
        try
        {
            string[] lines = File.ReadAllLines(_cacheFile);
            if (lines.Length == 2 && lines[0] == Fingerprint() && File.Exists(Path.Combine(lines[1], GuestArtifacts.ManifestFileName)))
            {
                directory = lines[1];
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No cache yet, or an unreadable one: ask the script.
        }

        return false;
    }

    /// <summary>Stores the script's answer for the current inputs (temp file and rename; failures only cost speed).</summary>
    public void Store(string directory)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_cacheFile)!);
            string temp = $"{_cacheFile}.{Environment.ProcessId}.tmp";
            File.WriteAllLines(temp, [Fingerprint(), directory]);
            File.Move(temp, _cacheFile, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache directory: the next run asks the script again.
        }
    }

    /// <summary>Hash of the metadata of every input of the guest inputs hash.</summary>
    internal string Fingerprint()
    {
        var text = new StringBuilder();
        var files = new List<string>(Directory.EnumerateFiles(_guestDirectory, "*", SearchOption.AllDirectories));
        files.Sort(StringComparer.Ordinal);
        foreach (string file in files)
        {
            Append(text, file);
        }

        foreach (string path in s_packageState)
        {
            Append(text, path);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void Append(StringBuilder text, string path)
    {
        var info = new FileInfo(path);
        bool exists = info.Exists || System.IO.Directory.Exists(path);
        long size = info.Exists ? info.Length : -1;
        long modified = exists ? File.GetLastWriteTimeUtc(path).Ticks : 0;
        string mode = exists && !OperatingSystem.IsWindows() ? ((int)File.GetUnixFileMode(path)).ToString(CultureInfo.InvariantCulture) : "-";
        text.Append(path).Append(' ').Append(size).Append(' ').Append(modified).Append(' ').Append(mode).Append('\n');
    }

    private static string DefaultCacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        return string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
    }
}
