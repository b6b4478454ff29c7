using System.Runtime.InteropServices;

namespace Vireo.Network.Tap;

/// <summary>The libc calls the TAP back-end needs (Linux only).</summary>
internal static partial class TapInterop
{
    public const int ORdWr = 0x2;
    public const int OCloexec = 0x80000;
    public const int ONonblock = 0x800;
    public const ulong TunSetIff = 0x400454CA;
    public const short IffTap = 0x0002;
    public const short IffNoPi = 0x1000;
    public const short PollIn = 0x1;
    public const int Eintr = 4;
    public const int Eagain = 11;
    public const int Enoent = 2;
    public const int Eacces = 13;
    public const int Eperm = 1;
    public const int Ebusy = 16;

    /// <summary>struct ifreq: a 16-byte name and a union of which only the flags (a short) are used.</summary>
    public const int IfreqSize = 40;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int Ioctl(int fd, ulong request, byte* argument);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
