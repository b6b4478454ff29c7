using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Storage.Host;

/// <summary>
/// Linux file operations the base library does not expose: punching holes (so discarded space goes back to the
/// host) and walking the data extents of a sparse file (so <c>disk info</c> can report what is really allocated).
/// Every call degrades gracefully where the host or file system lacks support.
/// </summary>
internal static partial class HostFile
{
    private const int FallocFlKeepSize = 0x01;
    private const int FallocFlPunchHole = 0x02;
    private const int SeekData = 3;
    private const int SeekHole = 4;

    /// <summary>
    /// Deallocates <paramref name="length"/> bytes at <paramref name="offset"/> without changing the file size.
    /// Returns false when the host cannot punch holes here (the caller then writes zeroes).
    /// </summary>
    public static bool TryPunchHole(SafeFileHandle handle, long offset, long length)
    {
        if (length <= 0)
        {
            return true;
        }

        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Fallocate(handle, FallocFlPunchHole | FallocFlKeepSize, offset, length) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Bytes of the file backed by data extents (holes excluded); the file length when unknown.</summary>
    public static long AllocatedBytes(SafeFileHandle handle)
    {
        long length = RandomAccess.GetLength(handle);
        if (!OperatingSystem.IsLinux())
        {
            return length;
        }

        try
        {
            long total = 0;
            long position = 0;
            while (position < length)
            {
                long data = LSeek(handle, position, SeekData);
                if (data < 0)
                {
                    // ENXIO: no data after position. Any other error: treat the rest as allocated, the safe answer.
                    return Marshal.GetLastPInvokeError() == 6 ? total : total + (length - position);
                }

                long hole = LSeek(handle, data, SeekHole);
                if (hole < 0)
                {
                    hole = length;
                }

                total += hole - data;
                position = hole;
            }

            return total;
        }
        catch (EntryPointNotFoundException)
        {
            return length;
        }
        catch (DllNotFoundException)
        {
            return length;
        }
    }

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle fd, long offset, int whence);
}
