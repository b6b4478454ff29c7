using Microsoft.Win32.SafeHandles;
using Vireo.Core.Threading;

namespace Vireo.Storage.Host;

/// <summary>
/// Starts the host's writeback of an image file's dirty page-cache pages while the guest is still writing, instead of
/// leaving all of it to the guest's next flush. Each time <see cref="ChunkBytes"/> have been written, the byte range
/// written since the last start is handed to <c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c> on a background thread:
/// the kernel queues those pages for the disk and returns, so the write path never waits for it, and a later fsync
/// finds most of the data on disk already (or on its way there).
/// </summary>
/// <remarks>
/// Without it the host kept every page dirty until the guest flushed (the kernel's own writeback starts at 10 % of
/// RAM dirty or after 30 s), and a guest that wrote 512 MiB and then called fsync waited for all 512 MiB to reach the
/// disk. This is the technique databases use for their own files (PostgreSQL's <c>*_flush_after</c> settings,
/// RocksDB's <c>bytes_per_sync</c>). It changes only when data reaches the disk, not what the guest sees: a read still
/// comes from the page cache, and durability still comes from <see cref="ImageFile.Flush"/>.
/// </remarks>
internal sealed class WriteBehind : IThreadPoolWorkItem, IDisposable
{
    /// <summary>Bytes written between two writeback starts.</summary>
    public const long ChunkBytes = 4 << 20;

    /// <summary>
    /// A chunk of small writes (see <see cref="SmallWriteBytes"/>) spread over more than this many times their size is
    /// scattered, and its writeback is not started early.
    /// </summary>
    public const long SparseFactor = 2;

    /// <summary>
    /// Only a chunk of writes averaging less than this is taken for scattered: a stream into a qcow2 image also writes
    /// its small metadata far from its data, which widens the range without making the stream random.
    /// </summary>
    public const long SmallWriteBytes = 64 << 10;

    private readonly SafeFileHandle _handle;
    private readonly DedicatedWorkerPool _thread = new("vireo write-behind", 1);
    private readonly Lock _gate = new();
    private long _pendingBytes;
    private long _pendingWrites;
    private long _start = long.MaxValue;
    private long _end;
    private long _queuedStart;
    private long _queuedEnd;
    private bool _queued;
    private bool _disposed;

    public WriteBehind(SafeFileHandle handle)
    {
        _handle = handle;
    }

    /// <summary>Writeback starts handed to the kernel so far (tests).</summary>
    public long Started { get; private set; }

    /// <summary>Chunks not started early because their writes were scattered (tests).</summary>
    public long Skipped { get; private set; }

    /// <summary>Notes that <paramref name="length"/> bytes at <paramref name="offset"/> were written. Any thread.</summary>
    public void Written(ulong offset, ulong length)
    {
        lock (_gate)
        {
            _start = Math.Min(_start, (long)offset);
            _end = Math.Max(_end, (long)(offset + length));
            _pendingBytes += (long)length;
            _pendingWrites++;
            if (_pendingBytes < ChunkBytes || _disposed)
            {
                return;
            }

            if (_end - _start > SparseFactor * _pendingBytes && _pendingBytes < _pendingWrites * SmallWriteBytes)
            {
                // Scattered writes (random I/O): their pages are left to the flush, which writes them together with
                // the neighbours dirtied meanwhile and once however often they were rewritten (compare-qemu-disk's
                // random writes: 110 -> 106 MiB reaching the host disk). Streams are what the early start is for.
                Skipped++;
            }
            else if (_queued)
            {
                // The previous start has not run yet: it takes this range too.
                _queuedStart = Math.Min(_queuedStart, _start);
                _queuedEnd = Math.Max(_queuedEnd, _end);
            }
            else
            {
                _queued = true;
                _queuedStart = _start;
                _queuedEnd = _end;
                _thread.Queue(this);
            }

            _pendingBytes = 0;
            _pendingWrites = 0;
            _start = long.MaxValue;
            _end = 0;
        }
    }

    /// <summary>Starts the writeback of the queued range (on the background thread).</summary>
    public void Execute()
    {
        long start;
        long end;
        lock (_gate)
        {
            _queued = false;
            start = _queuedStart;
            end = _queuedEnd;
            if (_disposed)
            {
                return;
            }

            Started++;
        }

        // Best effort: a host that cannot start writeback early (another OS, a file system without it, a handle being
        // closed) only loses the head start; a flush still writes and waits for everything.
        HostFile.TryStartWriteback(_handle, start, end - start);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _thread.Dispose();
    }
}
