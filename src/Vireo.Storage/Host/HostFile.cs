using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Storage.Host;

/// <summary>
/// Linux file operations the base library does not expose: punching holes (so discarded space goes back to the
/// host), walking the data extents of a sparse file (so <c>disk info</c> can report what is really allocated),
/// opening with O_DIRECT (<c>cache=none</c>), flushing data without timestamps (fdatasync), starting writeback
/// early (sync_file_range) and asking how much of a range the page cache holds (cachestat).
/// Every call degrades gracefully where the host or file system lacks support.
/// </summary>
internal static partial class HostFile
{
    private const int FallocFlKeepSize = 0x01;
    private const int FallocFlPunchHole = 0x02;
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int ORdOnly = 0;
    private const int ORdWr = 2;
    private const int OCloExec = 0x80000;
    private const int LockSh = 1;
    private const int LockEx = 2;
    private const int LockNb = 4;
    private const int EPerm = 1;
    private const int ENoEnt = 2;
    private const int EAcces = 13;
    private const int EInval = 22;
    private const int EIntr = 4;
    private const int EWouldBlock = 11;

    /// <summary>
    /// <see cref="Exception.HResult"/> of the <see cref="IOException"/> for a file locked by another open, here and
    /// in the base library's <see cref="File.OpenHandle"/> on Unix (the errno, EWOULDBLOCK).
    /// </summary>
    public const int LockConflict = EWouldBlock;
    private const uint SyncFileRangeWrite = 2;

    /// <summary>cachestat's number, the same in x86-64's table and the generic one (arm64, riscv64).</summary>
    private const long SysCacheStat = 451;
    private const int PageShift = 12;

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

    /// <summary>
    /// Opens <paramref name="path"/> with O_DIRECT (no host page cache) and locks it as <see cref="File.OpenHandle"/>
    /// does for the same sharing: exclusive for a writer, shared for a reader.
    /// </summary>
    /// <exception cref="NotSupportedException">The host or its file system does not support O_DIRECT here.</exception>
    /// <exception cref="IOException">The file cannot be opened or is in use by another writer.</exception>
    public static SafeFileHandle OpenDirect(string path, bool readOnly)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new NotSupportedException("cache=none (O_DIRECT) needs a Linux host");
        }

        int direct = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;
        int flags = (readOnly ? ORdOnly : ORdWr) | direct | OCloExec;
        int fd = OpenFile(path, flags, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                EInval => new NotSupportedException($"cache=none: the host file system does not support O_DIRECT for '{path}' (use cache=writeback)"),
                ENoEnt => new FileNotFoundException($"'{path}' not found", path),
                EAcces or EPerm => new UnauthorizedAccessException($"permission denied opening '{path}'"),
                _ => new IOException($"cannot open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Flock(handle, (readOnly ? LockSh : LockEx) | LockNb) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw errno == EWouldBlock
                ? new IOException($"'{path}' is in use by another process", LockConflict)
                : new IOException($"cannot lock '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return handle;
    }

    /// <summary>
    /// Makes the file's data durable: fdatasync, which also writes the metadata needed to read the data back (size,
    /// block allocation) but not timestamps, so a flush of an overwritten image does not commit a journal transaction
    /// for its modification time. Elsewhere, the base library's full flush.
    /// </summary>
    /// <exception cref="IOException">The host could not write the data.</exception>
    public static void FlushData(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        while (FDataSync(handle) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr)
            {
                throw new IOException($"flush failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    /// <summary>
    /// Asks the host to start writing the dirty pages of <paramref name="length"/> bytes at <paramref name="offset"/> to
    /// the disk, without waiting for it (sync_file_range with SYNC_FILE_RANGE_WRITE). False where that is not possible
    /// (another OS, a file system without it, a closed handle); it never throws.
    /// </summary>
    public static bool TryStartWriteback(SafeFileHandle handle, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0)
        {
            return false;
        }

        try
        {
            return SyncFileRange(handle, offset, length, SyncFileRangeWrite) == 0;
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return false;
        }
    }

    /// <summary>
    /// How many of the 4 KiB pages covering <paramref name="length"/> bytes at <paramref name="offset"/> are in the
    /// host page cache, and how many pages that range spans, with one cachestat call (Linux 6.5+). False where the host
    /// cannot tell (another OS, an older kernel, a file system or handle without it); it never throws.
    /// </summary>
    public static unsafe bool TryCountCachedPages(SafeFileHandle handle, long offset, long length, out long cached, out long pages)
    {
        long first = offset >> PageShift;
        pages = ((offset + length + (1 << PageShift) - 1) >> PageShift) - first;
        cached = 0;
        if (!OperatingSystem.IsLinux() || length <= 0)
        {
            return false;
        }

        var range = new CacheStatRange { Offset = (ulong)offset, Length = (ulong)length };
        CacheStat stat;
        try
        {
            if (CacheStatCall(SysCacheStat, handle, &range, &stat, 0) != 0)
            {
                return false;
            }
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return false;
        }

        cached = (long)stat.Cache;
        return true;
    }

    /// <summary>
    /// The exceptions a best-effort call turns into "not possible here": a handle closed meanwhile, a C library without
    /// the function, no C library at all.
    /// </summary>
    private static bool IsUnavailable(Exception e) =>
        e is ObjectDisposedException or EntryPointNotFoundException or DllNotFoundException;

    /// <summary>
    /// preadv/pwritev of <paramref name="count"/> iovecs at <paramref name="offset"/>: the bytes moved (short only at
    /// end of file for reads), or -1 with the error in <see cref="Marshal.GetLastPInvokeError"/>. EINTR is retried.
    /// </summary>
    public static unsafe long TransferVector(SafeFileHandle handle, IoVec* vectors, int count, long offset, bool write)
    {
        while (true)
        {
            long n = write ? PWriteV(handle, vectors, count, offset) : PReadV(handle, vectors, count, offset);
            if (n >= 0 || Marshal.GetLastPInvokeError() != EIntr)
            {
                return n;
            }
        }
    }

    /// <summary>The C <c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    /// <summary>The kernel's <c>struct cachestat_range</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CacheStatRange
    {
        public ulong Offset;
        public ulong Length;
    }

    /// <summary>The kernel's <c>struct cachestat</c> (page counts).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CacheStat
    {
        public ulong Cache;
        public ulong Dirty;
        public ulong Writeback;
        public ulong Evicted;
        public ulong RecentlyEvicted;
    }

    // glibc has no cachestat wrapper; syscall(2) takes the arguments in registers like any other call.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long CacheStatCall(long number, SafeFileHandle fd, CacheStatRange* range, CacheStat* stat, uint flags);

    [LibraryImport("libc", EntryPoint = "preadv", SetLastError = true)]
    private static unsafe partial long PReadV(SafeFileHandle fd, IoVec* iov, int iovcnt, long offset);

    [LibraryImport("libc", EntryPoint = "pwritev", SetLastError = true)]
    private static unsafe partial long PWriteV(SafeFileHandle fd, IoVec* iov, int iovcnt, long offset);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long length, uint flags);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle fd, long offset, int whence);
}
