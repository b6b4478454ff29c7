using System.Globalization;
using System.Text;

namespace Vireo.Cli.Tests.Guest;

/// <summary>A minimal reader of "newc" (070701) cpio archives, enough to check the initramfs contents.</summary>
internal static class NewcArchive
{
    private const int HeaderLength = 110;

    /// <summary>One archive member: its name (as stored), mode, owner and data.</summary>
    internal sealed record Entry(string Name, uint Mode, uint Uid, uint Gid, byte[] Data);

    /// <summary>Reads every member up to the TRAILER!!! entry; throws on a malformed archive.</summary>
    public static List<Entry> Read(byte[] archive)
    {
        var entries = new List<Entry>();
        int offset = 0;
        while (true)
        {
            if (offset + HeaderLength > archive.Length)
            {
                throw new InvalidDataException($"truncated cpio header at {offset}");
            }

            string magic = Encoding.ASCII.GetString(archive, offset, 6);
            if (magic != "070701")
            {
                throw new InvalidDataException($"bad cpio magic '{magic}' at {offset}");
            }

            uint mode = Field(archive, offset, 1);
            uint uid = Field(archive, offset, 2);
            uint gid = Field(archive, offset, 3);
            int fileSize = checked((int)Field(archive, offset, 6));
            int nameSize = checked((int)Field(archive, offset, 11));
            string name = Encoding.ASCII.GetString(archive, offset + HeaderLength, nameSize - 1);
            int dataStart = Align4(offset + HeaderLength + nameSize);
            if (name == "TRAILER!!!")
            {
                return entries;
            }

            entries.Add(new Entry(name, mode, uid, gid, archive.AsSpan(dataStart, fileSize).ToArray()));
            offset = Align4(dataStart + fileSize);
        }
    }

    // Header fields after the magic are 8 hex digits each: ino, mode, uid, gid, nlink, mtime, filesize, ...
    private static uint Field(byte[] archive, int headerOffset, int index)
    {
        string hex = Encoding.ASCII.GetString(archive, headerOffset + 6 + (index * 8), 8);
        return uint.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private static int Align4(int value) => (value + 3) & ~3;
}
