namespace Vireo.Storage.Tests;

/// <summary>
/// A scratch directory deleted when the test ends. It lives in /dev/shm when available: fsync there costs nothing,
/// which keeps flush-heavy tests fast on a busy disk (tmpfs supports hole punching and SEEK_DATA/SEEK_HOLE too).
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        const string Shm = "/dev/shm";
        Path = Directory.Exists(Shm)
            ? Directory.CreateDirectory(System.IO.Path.Combine(Shm, "vireo-storage-" + Guid.NewGuid().ToString("N"))).FullName
            : Directory.CreateTempSubdirectory("vireo-storage-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
