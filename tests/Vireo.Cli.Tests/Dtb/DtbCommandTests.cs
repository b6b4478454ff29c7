using System.Buffers.Binary;
using System.CommandLine;

namespace Vireo.Cli.Tests.Dtb;

public sealed class DtbCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-dtb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int Run(params string[] args)
    {
        ParseResult parse = CommandTree.Create().Parse(args);
        Assert.Empty(parse.Errors);
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public void WritesADtbWithTheRequestedMemoryCpusAndInitrd()
    {
        string initrd = Path.Combine(_dir, "initrd");
        File.WriteAllBytes(initrd, new byte[1000]);
        string output = Path.Combine(_dir, "out.dtb");
        Assert.Equal(0, Run("dtb", "--memory", "1G", "--cpus", "3", "--append", "console=ttyS0", "--initrd", initrd, "--out", output));

        byte[] dtb = File.ReadAllBytes(output);
        Assert.Equal(0xD00D_FEEDu, BinaryPrimitives.ReadUInt32BigEndian(dtb));
        Assert.Equal((uint)dtb.Length, BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(4)));
        Assert.Equal([output], Directory.GetFiles(_dir, "*.dtb*")); // no temp file left behind

        // Memory size 1 GiB in the memory node's reg, the initrd end 1000 bytes after 0x88000000, cpu@2 exists.
        Assert.True(Contains(dtb, [0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0]));
        Assert.True(Contains(dtb, [0, 0, 0, 0, 0x88, 0, 0x03, 0xE8]));
        Assert.True(Contains(dtb, "cpu@2\0"u8.ToArray()));
        Assert.True(Contains(dtb, "console=ttyS0\0"u8.ToArray()));
    }

    [Theory]
    [InlineData("--memory", "junk")]
    [InlineData("--memory", "128G")]
    [InlineData("--cpus", "0")]
    [InlineData("--initrd", "/definitely/not/here")]
    [InlineData("--initrd-start", "0x88000000")]
    public void BadInputIsAUserError(string option, string value)
    {
        string output = Path.Combine(_dir, "bad.dtb");
        Assert.Throws<UserErrorException>(() => Run("dtb", option, value, "--out", output));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void AnInitrdLargerThanRamIsRejected()
    {
        string initrd = Path.Combine(_dir, "big");
        using (var file = File.Create(initrd))
        {
            file.SetLength(20L << 20);
        }

        Assert.Throws<UserErrorException>(() => Run("dtb", "--memory", "32M", "--initrd", initrd, "--out", Path.Combine(_dir, "x.dtb")));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
