using System.Globalization;
using System.Text;

namespace Vireo.Cli.Run;

/// <summary>Writes a cpio archive in the "newc" format the Linux initramfs unpacker reads (regular files only).</summary>
internal static class NewcArchiveWriter
{
    /// <summary>Writes one archive holding <paramref name="files"/> (name without a leading slash, content, mode bits).</summary>
    public static void Write(Stream output, IReadOnlyList<(string Name, byte[] Content, int Mode)> files)
    {
        int inode = 1;
        foreach ((string name, byte[] content, int mode) in files)
        {
            WriteEntry(output, inode++, 0x8000 | mode, name, content);
        }

        WriteEntry(output, 0, 0, "TRAILER!!!", []);
    }

    private static void WriteEntry(Stream output, int inode, int mode, string name, byte[] content)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var header = new StringBuilder("070701", 110);
        foreach (int field in new[] { inode, mode, 0, 0, 1, 0, content.Length, 0, 0, 0, 0, nameBytes.Length, 0 })
        {
            header.Append(field.ToString("x8", CultureInfo.InvariantCulture));
        }

        output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        output.Write(nameBytes);
        Pad(output, 110 + nameBytes.Length);
        output.Write(content);
        Pad(output, content.Length);
    }

    /// <summary>Header plus name, and the data, each end on a 4-byte boundary.</summary>
    private static void Pad(Stream output, int length)
    {
        for (int i = length; (i & 3) != 0; i++)
        {
            output.WriteByte(0);
        }
    }
}
