using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Storage.Host;

/// <summary>
/// One host file of an image, opened in a <see cref="DiskCacheMode"/>: positional reads and writes (safe from
/// several threads), flush, and the underlying handle for hole punching. Reads past the end of the file return
/// zeroes, as a hole would.
/// </summary>
/// <remarks>
/// <para>With <see cref="DiskCacheMode.None"/> the file is opened O_DIRECT, which needs the file offset, length
/// and memory address of every transfer aligned to <see cref="DirectAlignment"/>. Aligned transfers (the usual
/// case: guest data in page-aligned guest RAM at block-aligned disk offsets) go straight between the caller's
/// memory and the file. Anything else goes through an aligned unmanaged bounce buffer; an unaligned write becomes a
/// read-modify-write of the blocks it touches, run exclusively (a write lock) so that no other write to the same
/// block can slip between its read and its write. Aligned writes share the lock and run in parallel.</para>
/// <para>With <see cref="DiskCacheMode.Unsafe"/> <see cref="Flush"/> does nothing: every durability barrier of the
/// format (including qcow2's metadata ordering) is skipped, as QEMU's <c>cache=unsafe</c> does.</para>
/// </remarks>
internal sealed unsafe partial class ImageFile : IDisposable
{
    /// <summary>Alignment of O_DIRECT transfers: 4 KiB satisfies every common host file system and device.</summary>
    public const int DirectAlignment = 4096;

    /// <summary>Most iovecs in one preadv/pwritev (Linux IOV_MAX).</summary>
    public const int MaxVectors = 1024;

    /// <summary>
    /// Most bytes one write moves into host page cache the file does not have yet (a larger request becomes several
    /// pwritev); writes over cached pages go whole, as they cost per call. The size of those writes sets the size of the
    /// page-cache folios ext4 (Linux 6.16+) allocates, and on a host that is itself a VM returning free memory to its
    /// hypervisor (free page reporting) that changes how much of the new page cache lands on memory the outer hypervisor
    /// must fault back in. Which size wins depends on what the host freed before, but in back-to-back boots writing a new
    /// 512 MiB image, 1 MiB pwritevs took 756-865 ms, 64 KiB pieces 682-818 ms and QEMU 1013-1270 ms; with memory the
    /// host still backs the pieces cost ~30 ms per 512 MiB (docs/performance.md, stop 17).
    /// </summary>
    public const nuint BufferedWriteBytes = 64 << 10;

    private const ulong AlignMask = DirectAlignment - 1;

    /// <summary>How long an open waits for a lock held by a starting child process (see <see cref="OpenLocked"/>).</summary>
    private const int LockRetryMs = 500;

    private readonly ReaderWriterLockSlim? _blockLock;
    private readonly WriteBehind? _writeBehind;
    private bool _disposed;

    /// <summary>Set once the host has refused cachestat: every write then goes whole.</summary>
    private volatile bool _noCacheStat;
    private long _piecewiseWrites;

    private ImageFile(SafeFileHandle handle, DiskCacheMode cache, bool readOnly)
    {
        Handle = handle;
        Cache = cache;
        if (cache == DiskCacheMode.None)
        {
            _blockLock = new ReaderWriterLockSlim(LockRecursionPolicy.NoRecursion);
        }
        else if (cache == DiskCacheMode.Writeback && !readOnly)
        {
            // Only where flushes are kept: O_DIRECT leaves no dirty pages, and cache=unsafe never waits for the disk.
            _writeBehind = new WriteBehind(handle);
        }
    }

    /// <summary>The open file (for hole punching and extent queries).</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>How the file uses the host page cache.</summary>
    public DiskCacheMode Cache { get; }

    /// <summary>Current file length in bytes.</summary>
    public ulong Length => (ulong)RandomAccess.GetLength(Handle);

    /// <summary>
    /// Opens an existing file. A writer locks it exclusively, so two VMs cannot both write it, nor write a base image
    /// that overlays are reading; a reader takes a shared lock.
    /// </summary>
    /// <exception cref="NotSupportedException">cache=none on a host file system without O_DIRECT.</exception>
    /// <exception cref="InvalidDataException">The path is a directory, a FIFO or anything else but a regular file or block device.</exception>
    public static ImageFile Open(string path, bool readOnly, DiskCacheMode cache)
    {
        HostFile.RequireImageFile(path);
        if (cache != DiskCacheMode.None)
        {
            SafeFileHandle handle = OpenLocked(() => File.OpenHandle(
                path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite, readOnly ? FileShare.Read : FileShare.None));
            return new ImageFile(handle, cache, readOnly);
        }

        var file = new ImageFile(OpenLocked(() => HostFile.OpenDirect(path, readOnly)), cache, readOnly);
        try
        {
            // Some file systems accept O_DIRECT at open time and refuse the first transfer (EINVAL): find out now,
            // with one aligned read, rather than on the guest's first request.
            Span<byte> probe = stackalloc byte[1];
            file.Read(0, probe);
            return file;
        }
        catch (IOException e)
        {
            file.Dispose();
            throw new NotSupportedException($"cache=none: the host file system refuses O_DIRECT reads of '{path}' ({e.Message}); use cache=writeback", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="open"/>, retrying for a moment while the file's lock is held. A process this one starts
    /// holds the lock of every image open here from its fork to its exec (the descriptor is close-on-exec, the lock
    /// belongs to the shared open file), so an image closed and reopened while a child starts can look in use for a
    /// few milliseconds. Another VM that really has it open still gets the error, a moment later.
    /// </summary>
    private static SafeFileHandle OpenLocked(Func<SafeFileHandle> open)
    {
        long deadline = Environment.TickCount64 + LockRetryMs;
        while (true)
        {
            try
            {
                return open();
            }
            catch (IOException e) when (e.HResult == HostFile.LockConflict && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Reads <c>destination.Length</c> bytes at <paramref name="offset"/>; what lies past the end of the file reads as zero.</summary>
    public void Read(ulong offset, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        if (_blockLock is null)
        {
            ReadFully(offset, destination);
            return;
        }

        fixed (byte* pointer = destination)
        {
            if (IsAligned(offset, destination.Length, pointer))
            {
                ReadFully(offset, destination);
                return;
            }
        }

        ReadBounced(offset, destination);
    }

    /// <summary>Writes <paramref name="source"/> at <paramref name="offset"/>, extending the file when needed.</summary>
    public void Write(ulong offset, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return;
        }

        if (_blockLock is null)
        {
            RandomAccess.Write(Handle, source, (long)offset);
            _writeBehind?.Written(offset, (ulong)source.Length);
            return;
        }

        fixed (byte* pointer = source)
        {
            if (IsAligned(offset, source.Length, pointer))
            {
                _blockLock.EnterReadLock();
                try
                {
                    RandomAccess.Write(Handle, source, (long)offset);
                }
                finally
                {
                    _blockLock.ExitReadLock();
                }

                return;
            }
        }

        WriteBounced(offset, source);
    }

    /// <summary>Makes every completed write durable (fdatasync); nothing with <see cref="DiskCacheMode.Unsafe"/>.</summary>
    public void Flush()
    {
        if (Cache != DiskCacheMode.Unsafe)
        {
            HostFile.FlushData(Handle);
        }
    }

    /// <summary>Writeback starts handed to the host so far (tests).</summary>
    internal long WritebackStarts => _writeBehind?.Started ?? 0;

    /// <summary>Gathered writes sent in <see cref="BufferedWriteBytes"/> pieces because the page cache lacked their range (tests).</summary>
    internal long PiecewiseWrites => Interlocked.Read(ref _piecewiseWrites);

    /// <summary>Chunks of scattered writes whose writeback was left to the flush (tests).</summary>
    internal long WritebackSkips => _writeBehind?.Skipped ?? 0;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _writeBehind?.Dispose();
        Handle.Dispose();
        _blockLock?.Dispose();
    }

    private static bool IsAligned(ulong offset, int length, byte* pointer) =>
        ((offset | (uint)length | (ulong)(nuint)pointer) & AlignMask) == 0;

    private void ReadFully(ulong offset, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int n = RandomAccess.Read(Handle, destination[done..], (long)offset + done);
            if (n == 0 || (_blockLock is not null && (n & (int)AlignMask) != 0))
            {
                // End of file (with O_DIRECT a short, unaligned count can only mean that): the rest reads as a hole.
                destination[(done + n)..].Clear();
                return;
            }

            done += n;
        }
    }

    private void ReadBounced(ulong offset, Span<byte> destination)
    {
        ulong start = offset & ~AlignMask;
        ulong end = (offset + (ulong)destination.Length + AlignMask) & ~AlignMask;
        byte* buffer = AllocateAligned(end - start);
        try
        {
            var bounce = new Span<byte>(buffer, (int)(end - start));
            ReadFully(start, bounce);
            bounce.Slice((int)(offset - start), destination.Length).CopyTo(destination);
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    private void WriteBounced(ulong offset, ReadOnlySpan<byte> source)
    {
        ulong last = offset + (ulong)source.Length;
        ulong start = offset & ~AlignMask;
        ulong end = (last + AlignMask) & ~AlignMask;
        byte* buffer = AllocateAligned(end - start);
        _blockLock!.EnterWriteLock();
        try
        {
            var bounce = new Span<byte>(buffer, (int)(end - start));

            // Only the partial blocks at either end need their old content.
            if (offset != start)
            {
                ReadFully(start, bounce[..DirectAlignment]);
            }

            bool tailIsHead = offset != start && end - start == DirectAlignment;
            if (last != end && !tailIsHead)
            {
                ReadFully(end - DirectAlignment, bounce[^DirectAlignment..]);
            }

            source.CopyTo(bounce[(int)(offset - start)..]);
            ulong lengthBefore = last != end ? Length : 0;
            RandomAccess.Write(Handle, bounce, (long)start);

            // The padded tail must not grow the file past what the caller wrote (a raw image keeps its size).
            if (last != end && end > lengthBefore)
            {
                RandomAccess.SetLength(Handle, (long)Math.Max(lengthBefore, last));
            }
        }
        finally
        {
            _blockLock.ExitWriteLock();
            NativeMemory.AlignedFree(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte* AllocateAligned(ulong size) => (byte*)NativeMemory.AlignedAlloc((nuint)size, DirectAlignment);
}
