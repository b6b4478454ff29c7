using System.Text;
using Vireo.Cli.Run;
using Vireo.Cli.Tests.Guest;

namespace Vireo.Cli.Tests.Run;

/// <summary>A long <c>--exec</c> command rides in an archive appended to the initramfs, where the guest init reads it.</summary>
public sealed class ExecInitramfsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-exec-initramfs").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheCopyKeepsTheInitramfsAndAppendsAnAlignedArchiveWithTheCommandInBase64()
    {
        string baseImage = Path.Combine(_dir, "initramfs.cpio.gz");
        byte[] original = [0x1f, 0x8b, 1, 2, 3, 4, 5]; // 7 bytes: the appended archive must start on a 4-byte boundary
        File.WriteAllBytes(baseImage, original);
        string command = "echo " + new string('x', 1500) + "; exit 5";

        string path;
        using (ExecInitramfs initramfs = ExecInitramfs.Create(baseImage, command))
        {
            path = initramfs.Path;
            byte[] image = File.ReadAllBytes(path);
            Assert.Equal(original, image[..original.Length]);
            Assert.Equal(0, image[7]); // zero padding, which the kernel's unpacker skips
            List<NewcArchive.Entry> entries = NewcArchive.Read(image[8..]);
            NewcArchive.Entry entry = Assert.Single(entries);
            Assert.Equal(ExecInitramfs.GuestPath, entry.Name);
            Assert.Equal(0x8180u, entry.Mode); // a regular file, 0600
            Assert.Equal(command, Encoding.UTF8.GetString(Convert.FromBase64String(Encoding.ASCII.GetString(entry.Data))));
        }

        Assert.False(File.Exists(path), "the temporary initramfs outlived the run");
    }
}
