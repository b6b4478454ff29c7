using System.Buffers.Binary;
using Vireo.Storage;

namespace Vireo.Cli.Tests.Disk;

public sealed class DiskCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-cli-disk-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CreateThenInfoShowsFormatSizeAndBackingChain()
    {
        (int code, string output, _) = DiskCli.Run("disk", "create", "--format", "raw", "--size", "3M", P("base.raw"));
        Assert.Equal(0, code);
        Assert.Contains("3 MiB", output);
        Assert.Equal(3L << 20, new FileInfo(P("base.raw")).Length);

        (code, _, _) = DiskCli.Run("disk", "create", "--backing", "base.raw", "--backing-format", "raw", P("ov.qcow2"));
        Assert.Equal(0, code);
        (code, output, _) = DiskCli.Run("disk", "info", P("ov.qcow2"));
        Assert.Equal(0, code);
        Assert.Contains("format:         qcow2", output);
        Assert.Contains("virtual size:   3 MiB (3145728 bytes)", output);
        Assert.Contains("cluster size:   65536", output);
        Assert.Contains("backing file:   base.raw (format raw)", output);
        Assert.Contains("  format:         raw", output);
    }

    [Fact]
    public void CheckReportsCleanLeaksAndCorruptionWithDistinctExitCodes()
    {
        string image = P("c.qcow2");
        Assert.Equal(0, DiskCli.Run("disk", "create", "--size", "1M", "--cluster-size", "4K", image).ExitCode);
        using (IBlockDevice device = DiskImage.Open(image))
        {
            device.Write(0, new byte[8192].Select(_ => (byte)7).ToArray());
        }

        (int code, string output, _) = DiskCli.Run("disk", "check", image);
        Assert.Equal(0, code);
        Assert.Contains("2/256 clusters allocated, 0 error(s), 0 leaked cluster(s)", output);

        ulong l1 = ReadBe64(image, 40);
        ulong l2 = ReadBe64(image, (long)l1) & 0x00FF_FFFF_FFFF_FE00UL;
        ulong second = ReadBe64(image, (long)l2 + 8);
        WriteBe64(image, (long)l2 + 8, 0);
        (code, output, _) = DiskCli.Run("disk", "check", image);
        Assert.Equal(3, code);
        Assert.Contains("1 leaked cluster(s)", output);

        WriteBe64(image, (long)l2 + 8, second);
        WriteBe64(image, (long)l2 + 16, second); // the same data cluster mapped twice
        (code, output, _) = DiskCli.Run("disk", "check", image);
        Assert.Equal(1, code);
        Assert.Contains("ERROR", output);
    }

    [Fact]
    public void ConvertReadsTheChainAndKeepsRawOutputSparse()
    {
        byte[] baseData = new byte[4 << 20];
        new Random(4).NextBytes(baseData.AsSpan(0, 1 << 20));
        File.WriteAllBytes(P("base.raw"), baseData);
        Assert.Equal(0, DiskCli.Run("disk", "create", "-b", "base.raw", P("top.qcow2")).ExitCode);
        using (IBlockDevice device = DiskImage.Open(P("top.qcow2")))
        {
            device.Write(2 << 20, Enumerable.Repeat((byte)0x42, 4096).ToArray());
        }

        byte[] expected = (byte[])baseData.Clone();
        expected.AsSpan(2 << 20, 4096).Fill(0x42);
        Assert.Equal(0, DiskCli.Run("disk", "convert", "--to", "raw", P("top.qcow2"), P("flat.raw")).ExitCode);
        Assert.Equal(expected, File.ReadAllBytes(P("flat.raw")));
        Assert.True(DiskImage.Inspect(P("flat.raw")).AllocatedBytes < (2L << 20), "zero regions must stay holes");

        Assert.Equal(0, DiskCli.Run("disk", "convert", "--to", "qcow2", P("flat.raw"), P("copy.qcow2")).ExitCode);
        DiskImageInfo info = DiskImage.Inspect(P("copy.qcow2"));
        Assert.Null(info.Backing);
        using IBlockDevice copy = DiskImage.Open(P("copy.qcow2"), readOnly: true);
        byte[] back = new byte[expected.Length];
        copy.Read(0, back);
        Assert.Equal(expected, back);
        Assert.Equal(0, DiskCli.Run("disk", "check", P("copy.qcow2")).ExitCode);
    }

    [Theory]
    [InlineData("disk", "create", "--size", "12Q", "x.qcow2")]
    [InlineData("disk", "create", "--size", "-5", "x.qcow2")]
    [InlineData("disk", "create", "x.qcow2")]
    [InlineData("disk", "create", "--format", "vmdk", "--size", "1M", "x.img")]
    [InlineData("disk", "create", "--format", "raw", "--size", "1M", "--backing", "missing.raw", "x.img")]
    [InlineData("disk", "create", "--size", "1M", "--cluster-size", "3K", "x.qcow2")]
    [InlineData("disk", "info", "missing.qcow2")]
    [InlineData("disk", "check", "missing.qcow2")]
    [InlineData("disk", "convert", "--to", "vdi", "a", "b")]
    [InlineData("disk", "convert", "a")]
    public void BadInputIsOneLineAndExitCodeTwo(params string[] args)
    {
        string[] rooted = args.Select(a => a.Contains('.') ? P(a) : a).ToArray();
        (int code, _, string error) = DiskCli.Run(rooted);
        Assert.Equal(2, code);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotContain('\n', error.TrimEnd());
        Assert.False(File.Exists(P("x.qcow2")));
    }

    [Fact]
    public void CorruptImageIsBadInput()
    {
        File.WriteAllBytes(P("bad.qcow2"), [0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 9, .. new byte[600]]);
        (int code, _, string error) = DiskCli.Run("disk", "info", P("bad.qcow2"));
        Assert.Equal(2, code);
        Assert.Contains("unsupported qcow2 version 9", error);
    }

    private string P(string name) => Path.Combine(_dir, name);

    private static ulong ReadBe64(string path, long offset)
    {
        using FileStream stream = File.OpenRead(path);
        byte[] bytes = new byte[8];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }

    private static void WriteBe64(string path, long offset, ulong value)
    {
        using FileStream stream = File.OpenWrite(path);
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        stream.Position = offset;
        stream.Write(bytes);
    }
}
