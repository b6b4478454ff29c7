using System.Text;

namespace Vireo.Cli.Run;

/// <summary>
/// Carries an <c>--exec</c> command too long for the kernel command line (1023 characters in all) to the default
/// guest's init: a copy of the initramfs with a second, uncompressed newc archive appended that holds
/// <c>/vireo.exec</c> (the command in base64, as the kernel parameter would carry it). Linux unpacks concatenated
/// archives, compressed or not, into the same root file system; the init reads the file when the parameter is absent.
/// </summary>
internal sealed class ExecInitramfs : IDisposable
{
    /// <summary>The file the guest init reads the command from (base64).</summary>
    public const string GuestPath = "vireo.exec";

    private ExecInitramfs(string path)
    {
        Path = path;
    }

    /// <summary>The temporary initramfs to boot; deleted on dispose.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="initrd"/> followed by an archive holding <paramref name="command"/>.</summary>
    public static ExecInitramfs Create(string initrd, string command)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vireo-exec-{Environment.ProcessId}-{Guid.NewGuid():N}.cpio");
        try
        {
            using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            using (FileStream input = File.OpenRead(initrd))
            {
                input.CopyTo(output);
            }

            // The unpacker skips zero bytes between archives; a 4-byte boundary starts the next header as cpio expects.
            while ((output.Position & 3) != 0)
            {
                output.WriteByte(0);
            }

            byte[] encoded = Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(command)));
            NewcArchiveWriter.Write(output, [(GuestPath, encoded, 0x180)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(path);
            throw new UserErrorException($"--exec: cannot write the command's initramfs {path}: {e.Message}");
        }

        return new ExecInitramfs(path);
    }

    public void Dispose() => File.Delete(Path);
}
