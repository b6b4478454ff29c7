using System.Runtime.InteropServices;

namespace Vireo.Storage.Host;

/// <summary>What kind of file a path names, found without opening it (opening a FIFO blocks until a writer comes).</summary>
internal static partial class HostFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 1;
    private const int StatxModeOffset = 28;
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int BlockDevice = 0x6000;
    private const int DirectoryType = 0x4000;
    private const int FifoType = 0x1000;
    private const int CharacterDevice = 0x2000;
    private const int SocketType = 0xC000;

    /// <summary>
    /// Refuses a path that is neither a regular file nor a block device (a directory, FIFO, socket or character
    /// device), before anything opens it. A path that does not exist passes: the caller reports it as missing.
    /// </summary>
    /// <exception cref="InvalidDataException">The path names something that cannot hold a disk image.</exception>
    public static unsafe void RequireImageFile(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (Directory.Exists(path))
            {
                throw new InvalidDataException($"'{path}' is a directory, not a disk image");
            }

            return;
        }

        // struct statx is the same on every architecture: stx_mode is the u16 at offset 28.
        byte* buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, 0, StatxType, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            return;
        }

        if (result != 0)
        {
            return;
        }

        int type = *(ushort*)(buffer + StatxModeOffset) & FileTypeMask;
        string? what = type switch
        {
            RegularFile or BlockDevice => null,
            DirectoryType => "a directory",
            FifoType => "a FIFO (named pipe)",
            SocketType => "a socket",
            CharacterDevice => "a character device",
            _ => "not a regular file",
        };
        if (what is not null)
        {
            throw new InvalidDataException(type == DirectoryType
                ? $"'{path}' is a directory, not a disk image"
                : $"'{path}' is {what}, not a disk image (only regular files and block devices can be used)");
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
