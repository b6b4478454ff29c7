using Vireo.Cli.Guest;

namespace Vireo.Cli.Tests.Guest;

public sealed class GuestLocationCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-location").FullName;
    private readonly string _repository;
    private readonly string _cacheRoot;
    private readonly string _artifacts;

    public GuestLocationCacheTests()
    {
        _repository = Path.Combine(_root, "repo");
        _cacheRoot = Path.Combine(_root, "cache");
        _artifacts = Path.Combine(_root, "artifacts");
        Directory.CreateDirectory(Path.Combine(_repository, "guest", "linux"));
        File.WriteAllText(Path.Combine(_repository, "guest", "build.sh"), "#!/bin/sh\n");
        File.WriteAllText(Path.Combine(_repository, "guest", "linux", "vireo.config"), "CONFIG_MMU=y\n");
        Directory.CreateDirectory(_artifacts);
        File.WriteAllText(Path.Combine(_artifacts, GuestArtifacts.ManifestFileName), "{}");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_stored_answer_is_returned_while_the_inputs_are_unchanged()
    {
        var cache = new GuestLocationCache(_repository, _cacheRoot);
        Assert.False(cache.TryGet(out _));

        cache.Store(_artifacts);

        Assert.True(new GuestLocationCache(_repository, _cacheRoot).TryGet(out string directory));
        Assert.Equal(_artifacts, directory);
    }

    [Fact]
    public void Editing_any_guest_file_invalidates_the_answer()
    {
        var cache = new GuestLocationCache(_repository, _cacheRoot);
        cache.Store(_artifacts);
        string config = Path.Combine(_repository, "guest", "linux", "vireo.config");

        File.AppendAllText(config, "CONFIG_SMP=y\n");

        Assert.False(cache.TryGet(out _));
    }

    [Fact]
    public void Adding_a_guest_file_or_changing_a_mode_invalidates_the_answer()
    {
        var cache = new GuestLocationCache(_repository, _cacheRoot);
        cache.Store(_artifacts);
        File.WriteAllText(Path.Combine(_repository, "guest", "new-script.sh"), "echo\n");
        Assert.False(cache.TryGet(out _));

        cache.Store(_artifacts);
        if (!OperatingSystem.IsWindows())
        {
            string script = Path.Combine(_repository, "guest", "build.sh");
            File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute);
            Assert.False(cache.TryGet(out _));
        }
    }

    [Fact]
    public void A_removed_build_is_not_returned()
    {
        var cache = new GuestLocationCache(_repository, _cacheRoot);
        cache.Store(_artifacts);

        File.Delete(Path.Combine(_artifacts, GuestArtifacts.ManifestFileName));

        Assert.False(cache.TryGet(out _));
    }
}
