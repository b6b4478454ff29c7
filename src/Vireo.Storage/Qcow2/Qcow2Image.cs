using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Vireo.Storage.Host;

namespace Vireo.Storage.Qcow2;

/// <summary>
/// A qcow2 image (version 3 read/write, version 2 read-only) as a block device.
/// </summary>
/// <remarks>
/// <para>Concurrency: a reader-writer lock. Reads and writes into clusters that are already allocated take it
/// shared and run in parallel; anything that changes metadata (allocation, discard, zeroing) takes it exclusive,
/// so a cluster can never be freed and reused while a request still uses its old mapping. A write filling fresh
/// clusters holds it exclusive only to allocate them and to set their entries, not while its data is copied; meanwhile
/// its range is "in flight" and other writers of that range wait.</para>
/// <para>Crash safety: metadata is written through (no dirty cache). A new cluster's refcount is made durable
/// (fsync) before any L2 or L1 entry points at it, its data is written before the L2 entry, a new L2 table before
/// the L1 entry, and freed clusters are unlinked before their refcount drops. A crash can leak clusters, never
/// leave an entry pointing at an unreferenced cluster. Clusters are reserved in batches to amortise the fsync: 4 MiB
/// of clusters first, and once the guest has used those without flushing, as many as the virtual disk has (at most
/// 1 GiB), so streaming into a new image costs two fsyncs instead of one per 4 MiB (each of which also waits for all
/// the data written before it; reserving ahead only writes refcounts);
/// <see cref="Flush"/> returns the unused ones and starts over small, so a flushed image is leak-free and a crash
/// leaks at most one batch.</para>
/// <para>Hostile images: every offset read from the file is checked (alignment, inside the file, not the header or
/// known metadata) before use; failures surface as <see cref="InvalidDataException"/> on the request.</para>
/// </remarks>
public sealed partial class Qcow2Image : IBlockDevice
{
    private readonly ImageFile _file;
    private readonly Qcow2Header _header;
    private readonly int _clusterBits;
    private readonly ulong _clusterSize;
    private readonly ulong _clusterMask;
    private readonly int _l2Bits;
    private readonly ulong[] _l1;
    private readonly IBlockDevice? _backing;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private bool _disposed;

    private Qcow2Image(
        ImageFile file, string path, Qcow2Header header, ulong fileLength, ulong[] l1, ulong[] refcountTable,
        IBlockDevice? backing, string? backingPath, bool readOnly)
    {
        _file = file;
        Path = path;
        _header = header;
        _clusterBits = header.ClusterBits;
        _clusterSize = (ulong)header.ClusterSize;
        _clusterMask = _clusterSize - 1;
        _l2Bits = _clusterBits - 3;
        _l1 = l1;
        _refcountTable = refcountTable;
        _backing = backing;
        BackingPath = backingPath;
        _fileLength = fileLength;
        IsReadOnly = readOnly;
        Length = header.Size & ~511UL;
        _l2CacheCapacity = (int)Math.Clamp((32UL << 20) / _clusterSize, 8, 4096);
        _refcountEntriesPerBlock = (_clusterSize * 8) >> header.RefcountOrder;
        _maxRefcount = header.RefcountBits == 64 ? long.MaxValue : (1UL << header.RefcountBits) - 1;
        _reserveBatch = (int)Math.Clamp((4UL << 20) / _clusterSize, 4, 64);
        _maxReserveBatch = (int)Math.Clamp(Math.Min(1UL << 30, Length + _clusterSize - 1) / _clusterSize, (ulong)_reserveBatch, 16384);
        _nextReserveBatch = _reserveBatch;
        _allocationEnd = ClustersOf(fileLength);
        BuildMetadataSet();
    }

    /// <summary>Full path of the image file.</summary>
    public string Path { get; }

    /// <summary>The parsed header.</summary>
    public Qcow2Header Header => _header;

    /// <summary>Cluster size in bytes.</summary>
    public int ClusterSize => (int)_clusterSize;

    /// <summary>The opened backing image, or null.</summary>
    public IBlockDevice? Backing => _backing;

    /// <summary>Full path of the backing image, or null.</summary>
    public string? BackingPath { get; }

    /// <inheritdoc/>
    public ulong Length { get; }

    /// <inheritdoc/>
    public bool IsReadOnly { get; }

    /// <summary>Bytes the image file really occupies on the host (holes excluded).</summary>
    public long AllocatedBytes => HostFile.AllocatedBytes(_file.Handle);

    /// <summary>
    /// Opens a qcow2 image. <paramref name="openBacking"/> opens the backing file (full path, format from the header
    /// extension or null to probe); it is how the caller enforces chain-loop detection. <paramref name="readOnly"/>
    /// null means writable when that is safe: an image marked corrupt or dirty, or whose refcounts disagree with its
    /// tables, then opens read-only and <paramref name="warn"/> gets one line saying why; false insists on writing and
    /// such an image is refused (<see cref="InvalidDataException"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The image is not valid qcow2 or uses unsupported features.</exception>
    /// <exception cref="NotSupportedException"><paramref name="cache"/> is none and the host file system has no O_DIRECT.</exception>
    public static Qcow2Image Open(
        string path, bool? readOnly, Func<string, DiskFormat?, IBlockDevice> openBacking, DiskCacheMode cache = DiskCacheMode.Writeback,
        Action<string>? warn = null) =>
        Open(path, readOnly, openBacking, cache, warn, OpenCheckMaxClusters);

    /// <summary>
    /// <see cref="Open(string, bool?, Func{string, DiskFormat?, IBlockDevice}, DiskCacheMode, Action{string}?)"/> with the
    /// size limit of the full check at open (tests use 0 to reach the checks made while writing).
    /// </summary>
    internal static Qcow2Image Open(
        string path, bool? readOnly, Func<string, DiskFormat?, IBlockDevice> openBacking, DiskCacheMode cache, Action<string>? warn,
        ulong openCheckMaxClusters)
    {
        ArgumentNullException.ThrowIfNull(openBacking);
        if (readOnly == true)
        {
            return OpenCore(path, true, fallBack: false, openBacking, cache, openCheckMaxClusters, out _)!;
        }

        Qcow2Image? image = OpenCore(path, false, fallBack: readOnly is null, openBacking, cache, openCheckMaxClusters, out string? reason);
        if (image is not null)
        {
            return image;
        }

        image = OpenCore(path, true, fallBack: false, openBacking, cache, openCheckMaxClusters, out _)!;
        warn?.Invoke($"'{path}' opened read-only: {reason}");
        return image;
    }

    /// <summary>
    /// Opens an image. Writable and unsafe to write: null and <paramref name="unsafeReason"/> when
    /// <paramref name="fallBack"/>, else <see cref="InvalidDataException"/>.
    /// </summary>
    private static Qcow2Image? OpenCore(
        string path, bool readOnly, bool fallBack, Func<string, DiskFormat?, IBlockDevice> openBacking, DiskCacheMode cache,
        ulong openCheckMaxClusters, out string? unsafeReason)
    {
        unsafeReason = null;
        string full = System.IO.Path.GetFullPath(path);
        // Writers lock exclusively: no second writer, and no writing a file that another chain reads as its backing.
        ImageFile file = ImageFile.Open(full, readOnly, cache);
        IBlockDevice? backing = null;
        try
        {
            ulong fileLength = file.Length;
            byte[] first = new byte[(int)Math.Min(fileLength, 2UL << 20)];
            file.Read(0, first);
            Qcow2Header header = Qcow2Header.Parse(first, fileLength);
            header.CheckFeatures(readOnly);
            string? reason = readOnly ? null : header.UnsafeToWrite(path);

            byte[] l1Bytes = new byte[header.L1Size * 8];
            file.Read(header.L1TableOffset, l1Bytes);
            ulong[] l1 = DecodeTable(l1Bytes);
            byte[] refcountBytes = new byte[header.RefcountTableClusters * (ulong)header.ClusterSize];
            file.Read(header.RefcountTableOffset, refcountBytes);
            ulong[] refcountTable = DecodeTable(refcountBytes);

            // Reads do not depend on refcounts; writes do (a cluster with a wrong refcount of 0 would be handed out).
            ulong[]? inUse = null;
            if (!readOnly && reason is null)
            {
                (inUse, reason) = CheckConsistency(file, header, fileLength, path, openCheckMaxClusters);
            }

            if (reason is not null)
            {
                unsafeReason = reason;
                RefuseWriting(reason, fallBack);
                file.Dispose();
                return null;
            }

            string? backingPath = null;
            if (header.BackingFile is { } name)
            {
                backingPath = System.IO.Path.GetFullPath(name, System.IO.Path.GetDirectoryName(full)!);
                DiskFormat? backingFormat = header.BackingFormat switch
                {
                    null => null,
                    "raw" => DiskFormat.Raw,
                    "qcow2" => DiskFormat.Qcow2,
                    string other => throw new InvalidDataException($"qcow2: unsupported backing file format '{other}'"),
                };
                HostFile.RequireImageFile(backingPath);
                if (!File.Exists(backingPath))
                {
                    throw new FileNotFoundException($"backing file '{name}' of '{path}' not found ({backingPath})", backingPath);
                }

                backing = openBacking(backingPath, backingFormat);
            }

            var image = new Qcow2Image(file, full, header, fileLength, l1, refcountTable, backing, backingPath, readOnly) { _inUse = inUse };
            if (!readOnly && inUse is null && image.CheckMetadataRefcounts() is { } metadataReason)
            {
                unsafeReason = metadataReason;
                RefuseWriting(metadataReason, fallBack);
                image.Dispose();
                return null;
            }

            if (!readOnly && header.AutoclearFeatures != 0)
            {
                // We do not maintain whatever those bits vouch for (bitmaps...), so the spec says clear them.
                header.AutoclearFeatures = 0;
                Span<byte> zero = stackalloc byte[8];
                zero.Clear();
                file.Write(88, zero);
                file.Flush();
            }

            return image;
        }
        catch
        {
            backing?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>Throws unless the open may fall back to read-only.</summary>
    private static void RefuseWriting(string reason, bool fallBack)
    {
        if (!fallBack)
        {
            throw new InvalidDataException($"qcow2: {reason}");
        }
    }

    /// <inheritdoc/>
    public void Read(ulong offset, Span<byte> destination)
    {
        CheckRange(offset, (ulong)destination.Length);
        _lock.EnterReadLock();
        try
        {
            while (!destination.IsEmpty)
            {
                ulong entry = LookupEntry(offset);
                int run = RunLength(offset, destination.Length, entry, out ulong host);
                if (run > 0)
                {
                    ReadHost(host, destination[..run]);
                }
                else
                {
                    run = ChunkAt(offset, destination.Length);
                    ReadSpecial(entry, offset, destination[..run]);
                }

                offset += (ulong)run;
                destination = destination[run..];
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    public void Write(ulong offset, ReadOnlySpan<byte> source)
    {
        CheckWritable();
        CheckRange(offset, (ulong)source.Length);
        if (source.IsEmpty)
        {
            return;
        }

        bool done;
        _lock.EnterReadLock();
        try
        {
            done = TryWriteInPlace(offset, source);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        if (done)
        {
            return;
        }

        EnterWriteLockClearOf(offset, (ulong)source.Length);
        try
        {
            while (!source.IsEmpty)
            {
                int chunk = ChunkAt(offset, source.Length);
                WriteCluster(offset, source[..chunk]);
                offset += (ulong)chunk;
                source = source[chunk..];
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsReadOnly)
        {
            return;
        }

        if (_corrupt)
        {
            // Damage was found: nothing more is written, not even the return of reserved clusters.
            _file.Flush();
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            ReleaseReserved();
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        _file.Flush();
    }

    /// <inheritdoc/>
    public void Discard(ulong offset, ulong length) => WriteZeroes(offset, length);

    /// <inheritdoc/>
    /// <remarks>Whole clusters are unmapped (zero flag over a backing file, unallocated otherwise) and their space
    /// freed; partial clusters are written with zeroes.</remarks>
    public void WriteZeroes(ulong offset, ulong length)
    {
        CheckWritable();
        CheckRange(offset, length);
        EnterWriteLockClearOf(offset, length);
        byte[] zeroes = ArrayPool<byte>.Shared.Rent((int)_clusterSize);
        try
        {
            Array.Clear(zeroes, 0, (int)_clusterSize);
            while (length > 0)
            {
                int chunk = ChunkAt(offset, (int)Math.Min(length, _clusterSize));
                if ((ulong)chunk == _clusterSize)
                {
                    ZeroCluster(offset);
                }
                else if (!ReadsAsZero(LookupEntry(offset)))
                {
                    WriteCluster(offset, zeroes.AsSpan(0, chunk));
                }

                offset += (ulong)chunk;
                length -= (ulong)chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zeroes);
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!IsReadOnly)
            {
                Flush();
            }
        }
        finally
        {
            _disposed = true;
            _file.Dispose();
            _backing?.Dispose();
            _lock.Dispose();
        }
    }

    /// <summary>Bytes from <paramref name="offset"/> to the end of its cluster, at most <paramref name="max"/>.</summary>
    private int ChunkAt(ulong offset, int max) => (int)Math.Min((ulong)max, _clusterSize - (offset & _clusterMask));

    /// <summary>
    /// For a normally allocated cluster: how many bytes from <paramref name="offset"/> lie in host-contiguous normal
    /// clusters (one pread/pwrite for a sequential request). Zero when the entry is not a normal cluster.
    /// </summary>
    private int RunLength(ulong offset, int max, ulong entry, out ulong host)
    {
        host = 0;
        if (!IsNormal(entry))
        {
            return 0;
        }

        host = DataOffset(entry) + (offset & _clusterMask);
        int run = ChunkAt(offset, max);
        while (run < max)
        {
            ulong next = LookupEntry(offset + (ulong)run);
            if (!IsNormal(next) || DataOffset(next) != host + (ulong)run)
            {
                break;
            }

            run += (int)Math.Min((ulong)(max - run), _clusterSize);
        }

        return run;
    }

    private bool TryWriteInPlace(ulong offset, ReadOnlySpan<byte> source)
    {
        if (!IsRangeInPlaceWritable(offset, source.Length))
        {
            return false;
        }

        while (!source.IsEmpty)
        {
            int run = RunLength(offset, source.Length, LookupEntry(offset), out ulong host);
            _file.Write(host, source[..run]);
            offset += (ulong)run;
            source = source[run..];
        }

        return true;
    }

    private bool IsNormal(ulong entry) =>
        (entry & Qcow2Entry.Compressed) == 0 && (entry & Qcow2Entry.OffsetMask) != 0
        && (_header.Version < 3 || (entry & Qcow2Entry.Zero) == 0);

    /// <summary>True when every cluster of the range is allocated and may be overwritten in place.</summary>
    private bool IsRangeInPlaceWritable(ulong offset, int length)
    {
        while (length > 0)
        {
            if (!IsInPlaceWritable(LookupEntry(offset)))
            {
                return false;
            }

            int chunk = ChunkAt(offset, length);
            offset += (ulong)chunk;
            length -= chunk;
        }

        return true;
    }

    private bool IsInPlaceWritable(ulong entry)
    {
        if (!IsNormal(entry) || (entry & Qcow2Entry.Copied) == 0)
        {
            return false;
        }

        ulong host = entry & Qcow2Entry.OffsetMask;
        return (host & _clusterMask) == 0 && host < FileEnd && !_metadata.Contains(host);
    }

    private bool ReadsAsZero(ulong entry)
    {
        if ((entry & Qcow2Entry.Compressed) != 0)
        {
            return false;
        }

        bool zeroFlag = _header.Version >= 3 && (entry & Qcow2Entry.Zero) != 0;
        return zeroFlag || ((entry & Qcow2Entry.OffsetMask) == 0 && _backing is null);
    }

    /// <summary>The cluster-aligned host offset of a standard L2 entry, validated.</summary>
    private ulong DataOffset(ulong entry)
    {
        ulong host = entry & Qcow2Entry.OffsetMask;
        if ((host & _clusterMask) != 0 || host < _clusterSize)
        {
            ThrowInvalid($"data cluster offset 0x{host:x} is misaligned or inside the header");
        }

        return host;
    }

    private ulong FileEnd => (_fileLength + _clusterMask) & ~_clusterMask;

    private ulong ClustersOf(ulong bytes) => (bytes + _clusterMask) >> _clusterBits;

    private void CheckWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsReadOnly)
        {
            throw new IOException("the disk image is read-only");
        }

        if (_corrupt)
        {
            ThrowCorrupt();
        }
    }

    private void CheckRange(ulong offset, ulong length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset > Length || length > Length - offset)
        {
            ThrowOutOfRange(offset, length);
        }
    }

    private static ulong[] DecodeTable(ReadOnlySpan<byte> bytes)
    {
        ulong[] table = new ulong[bytes.Length / 8];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes[(i * 8)..]);
        }

        return table;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowOutOfRange(ulong offset, ulong length) =>
        throw new IOException($"request at {offset} (+{length}) is outside the {Length}-byte disk");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowInvalid(string message) => throw new InvalidDataException($"qcow2: {message}");
}
