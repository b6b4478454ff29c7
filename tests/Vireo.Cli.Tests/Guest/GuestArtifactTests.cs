using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Vireo.Cli.Guest;

namespace Vireo.Cli.Tests.Guest;

/// <summary>Checks that the built guest artifacts are well-formed and match their manifest.</summary>
public sealed class GuestArtifactTests : IClassFixture<BuiltGuest>
{
    private readonly BuiltGuest _guest;

    public GuestArtifactTests(BuiltGuest guest)
    {
        _guest = guest;
    }

    [Fact]
    public void KernelImageHasRiscVHeaderMagic()
    {
        byte[] header = ReadPrefix(_guest.Artifacts.Kernel, 64);

        // Linux RISC-V boot image header: magic "RISCV\0\0\0" at 48 and magic2 "RSC\x05" at 56.
        Assert.Equal("RISCV\0\0\0"u8.ToArray(), header[48..56]);
        Assert.Equal("RSC\x05"u8.ToArray(), header[56..60]);
    }

    [Fact]
    public void InitramfsIsGzipNewcCpio()
    {
        byte[] archive = Gunzip(_guest.Artifacts.Initrd);

        Assert.Equal("070701"u8.ToArray(), archive[..6]);
    }

    [Fact]
    public void InitramfsHoldsTheProjectInitOwnedByRoot()
    {
        List<NewcArchive.Entry> entries = NewcArchive.Read(Gunzip(_guest.Artifacts.Initrd));

        NewcArchive.Entry init = Assert.Single(entries, e => e.Name is "./init" or "init");
        Assert.Equal(File.ReadAllBytes(RepoInitPath()), init.Data);
        Assert.Equal(0x81EDu, init.Mode); // regular file, 0755
        Assert.Equal(0u, init.Uid);
        Assert.Equal(0u, init.Gid);
        // The kernel falls back to /sbin/init and friends; BusyBox must be there for the init's #!/bin/sh.
        Assert.Contains(entries, e => e.Name == "./bin/busybox" && e.Data.Length > 100_000);
        Assert.Contains(entries, e => e.Name == "./bin/sh");
        Assert.Contains(entries, e => e.Name == "./sbin/devmem" || e.Name == "./bin/devmem" || e.Name == "./usr/bin/devmem");
    }

    [Fact]
    public void RootDiskHasExt4SuperblockMagic()
    {
        byte[] prefix = ReadPrefix(_guest.Artifacts.RootDisk, 2048);

        // The superblock starts at byte 1024; s_magic (0xEF53, little-endian) is at offset 56 within it.
        Assert.Equal(0xEF53, prefix[1080] | (prefix[1081] << 8));
    }

    [Fact]
    public void RootDiskHoldsTheProjectInit()
    {
        string content = RunDebugfs(_guest.Artifacts.RootDisk, "cat /init");

        Assert.Equal(File.ReadAllText(RepoInitPath()), content);
    }

    [Fact]
    public void ManifestHashesAndSizesMatchTheFiles()
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(_guest.Artifacts.Manifest));
        JsonElement artifacts = manifest.RootElement.GetProperty("artifacts");

        var names = new List<string>();
        foreach (JsonProperty artifact in artifacts.EnumerateObject())
        {
            names.Add(artifact.Name);
            string path = Path.Combine(_guest.Artifacts.Directory, artifact.Name);
            using FileStream file = File.OpenRead(path);
            string actual = Convert.ToHexStringLower(SHA256.HashData(file));
            Assert.Equal(artifact.Value.GetProperty("sha256").GetString(), actual);
            Assert.Equal(artifact.Value.GetProperty("size").GetInt64(), new FileInfo(path).Length);
        }

        Assert.Contains(GuestArtifacts.KernelFileName, names);
        Assert.Contains(GuestArtifacts.InitrdFileName, names);
        Assert.Contains(GuestArtifacts.RootDiskFileName, names);
        Assert.Contains("busybox", names);
    }

    [Fact]
    public void ManifestListsDebianPackageVersions()
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(_guest.Artifacts.Manifest));
        JsonElement packages = manifest.RootElement.GetProperty("debianPackages");

        Assert.StartsWith("6.1.", packages.GetProperty("linux-source-6.1").GetString());
        Assert.Contains("1.35", packages.GetProperty("busybox (source)").GetString());
        Assert.False(string.IsNullOrEmpty(packages.GetProperty("gcc-riscv64-linux-gnu").GetString()));
    }

    [Fact]
    public void ArtifactsDirectoryIsNamedByTheInputsHash()
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(_guest.Artifacts.Manifest));

        string hash = manifest.RootElement.GetProperty("inputsHash").GetString()!;
        Assert.Equal(hash, Path.GetFileName(_guest.Artifacts.Directory));
    }

    private string RepoInitPath() => Path.Combine(_guest.RepositoryRoot, "guest", "rootfs", "init");

    private static byte[] ReadPrefix(string path, int length)
    {
        using FileStream file = File.OpenRead(path);
        byte[] buffer = new byte[length];
        file.ReadExactly(buffer);
        return buffer;
    }

    private static byte[] Gunzip(string path)
    {
        using FileStream file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static string RunDebugfs(string image, string request)
    {
        var info = new ProcessStartInfo("debugfs")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("-R");
        info.ArgumentList.Add(request);
        info.ArgumentList.Add(image);
        info.Environment["PATH"] = "/usr/sbin:/sbin:" + Environment.GetEnvironmentVariable("PATH");
        using Process process = Process.Start(info)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"debugfs failed: {errors.Result}");
        return output;
    }
}
