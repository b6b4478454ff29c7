using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Storage.Qcow2;

/// <summary>
/// Rebuilds the refcount of every cluster from the header, L1 and L2 tables and compares it with the stored
/// refcounts, the way <c>qemu-img check</c> does: stored lower than referenced is corruption, higher is a leak.
/// Also checks the COPIED flags and that every reference lies inside the file. Reads only.
/// </summary>
public sealed class Qcow2Checker
{
    private const int MaxMessages = 100;

    /// <summary>Refuses to check files with more clusters than this (bounds the reference array).</summary>
    private const ulong MaxClusters = 1UL << 28;

    private readonly Qcow2ReadAt _read;
    private readonly Qcow2Header _header;
    private readonly ulong _fileLength;
    private readonly int _clusterBits;
    private readonly ulong _clusterSize;
    private readonly ushort[] _references;
    private readonly List<string> _messages = [];
    private readonly List<(ulong Host, bool Copied)> _copiedChecks = [];
    private readonly HashSet<ulong> _blocksPastEnd = [];
    private byte[]? _cachedBlock;
    private ulong _cachedBlockOffset = ulong.MaxValue;
    private ulong[] _refcountTable = [];
    private int _errors;
    private int _leaks;
    private ulong _dataClusters;
    private ulong[]? _inUse;

    private Qcow2Checker(Qcow2ReadAt read, Qcow2Header header, ulong fileLength, ulong maxClusters = MaxClusters)
    {
        _read = read;
        _header = header;
        _fileLength = fileLength;
        _clusterBits = header.ClusterBits;
        _clusterSize = (ulong)header.ClusterSize;
        ulong clusters = (fileLength + _clusterSize - 1) >> _clusterBits;
        if (clusters > maxClusters)
        {
            throw new InvalidDataException("qcow2: the file has too many clusters to check");
        }

        _references = new ushort[clusters];
    }

    /// <summary>
    /// Checks the qcow2 image at <paramref name="path"/>. <paramref name="checkBacking"/>, when given, gets the parsed
    /// header before the check and throws if the backing chain is unusable.
    /// </summary>
    /// <exception cref="InvalidDataException">The header itself is unusable, the image uses an unsupported feature or
    /// has internal snapshots.</exception>
    public static DiskCheckResult Check(string path, Action<Qcow2Header>? checkBacking = null)
    {
        Host.HostFile.RequireImageFile(path);
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        ulong fileLength = (ulong)RandomAccess.GetLength(file);
        byte[] first = new byte[(int)Math.Min(fileLength, 2UL << 20)];
        RandomAccess.Read(file, first, 0);
        Qcow2Header header = Qcow2Header.Parse(first, fileLength, forCheck: true);
        header.CheckFeatures(readOnly: true);
        if (header.SnapshotCount > 0)
        {
            throw new InvalidDataException("qcow2: images with internal snapshots cannot be checked here");
        }

        checkBacking?.Invoke(header);

        var checker = new Qcow2Checker((offset, destination) => RandomAccess.Read(file, destination, (long)offset), header, fileLength);
        return checker.Run();
    }

    /// <summary>
    /// The same check, run when an image is opened for writing, through <paramref name="read"/>. Also returns a bitmap
    /// of the clusters that are in use (referenced, or with a nonzero stored refcount): the allocator must never hand
    /// out one of them. Null when the file has more than <paramref name="maxClusters"/> clusters (too costly at open).
    /// </summary>
    internal static (DiskCheckResult Result, ulong[] InUse)? CheckForOpen(Qcow2ReadAt read, Qcow2Header header, ulong fileLength, ulong maxClusters)
    {
        ulong clusters = (fileLength + (ulong)header.ClusterSize - 1) >> header.ClusterBits;
        if (clusters > maxClusters)
        {
            return null;
        }

        var checker = new Qcow2Checker(read, header, fileLength, maxClusters);
        checker._inUse = new ulong[(clusters + 63) / 64];
        DiskCheckResult result = checker.Run();
        return (result, checker._inUse);
    }

    private DiskCheckResult Run()
    {
        Reference(0, 1, "header");
        Reference(_header.L1TableOffset, ClustersFor((ulong)_header.L1Size * 8), "L1 table");
        Reference(_header.RefcountTableOffset, _header.RefcountTableClusters, "refcount table");

        _refcountTable = ReadTable(_header.RefcountTableOffset, (int)(_header.RefcountTableClusters * _clusterSize / 8));
        foreach (ulong entry in _refcountTable)
        {
            if ((entry & Qcow2Entry.RefcountTableReserved) != 0)
            {
                Error($"refcount table entry 0x{entry:x} has reserved bits set");
            }

            ulong block = entry & Qcow2Entry.RefcountTableOffsetMask;
            if (block != 0)
            {
                if (!Aligned(block, "refcount block"))
                {
                    continue;
                }

                Reference(block, 1, "refcount block");
            }
        }

        ulong[] l1 = ReadTable(_header.L1TableOffset, (int)_header.L1Size);
        var l2Tables = new List<(ulong Offset, bool Copied)>();
        foreach (ulong entry in l1)
        {
            // Never a leak: a repair that trusted the offset bits alone could free clusters still in use.
            if ((entry & Qcow2Entry.L1Reserved) != 0)
            {
                Error($"L1 entry 0x{entry:x} has reserved bits set");
            }

            ulong table = entry & Qcow2Entry.OffsetMask;
            if (table != 0 && Aligned(table, "L2 table") && Reference(table, 1, "L2 table"))
            {
                l2Tables.Add((table, (entry & Qcow2Entry.Copied) != 0));
            }
        }

        foreach ((ulong table, bool _) in l2Tables)
        {
            CheckL2(table);
        }

        // With references known, compare with the stored refcounts (of the file and of anything counted beyond it).
        // As qemu-img: the clusters of the file (and any referenced past it); refcounts further out are never used.
        ulong end = (ulong)_references.Length;
        ulong lastBlockPastEnd = ulong.MaxValue;
        for (ulong cluster = 0; cluster < end; cluster++)
        {
            ulong blockIndex = cluster / EntriesPerBlock;
            ulong blockOffset = _refcountTable[blockIndex] & Qcow2Entry.RefcountTableOffsetMask;
            bool newBlock = blockIndex != lastBlockPastEnd;
            if (cluster >= (ulong)_references.Length && newBlock)
            {
                lastBlockPastEnd = blockIndex;
            }

            if (cluster >= (ulong)_references.Length && newBlock && (blockOffset == 0 || !_blocksPastEnd.Add(blockOffset)))
            {
                // Past the end of the file only blocks that exist matter, each once (a hostile table may repeat one).
                cluster = ((blockIndex + 1) * EntriesPerBlock) - 1;
                continue;
            }

            ulong stored = StoredRefcount(cluster);
            ulong referenced = cluster < (ulong)_references.Length ? _references[cluster] : 0UL;
            if (_inUse is not null && cluster < (ulong)_references.Length && (stored | referenced) != 0)
            {
                _inUse[cluster >> 6] |= 1UL << (int)(cluster & 63);
            }
            if (stored < referenced)
            {
                Error($"cluster {cluster}: refcount {stored} but {referenced} reference(s)");
            }
            else if (stored > referenced)
            {
                _leaks++;
                Note($"leaked cluster {cluster}: refcount {stored}, {referenced} reference(s)");
            }
        }

        foreach ((ulong table, bool copied) in l2Tables)
        {
            CheckCopied(table, copied, "L2 table");
        }

        foreach ((ulong host, bool copied) in _copiedChecks)
        {
            CheckCopied(host, copied, "data cluster");
        }

        ulong totalClusters = (_header.Size + _clusterSize - 1) >> _clusterBits;
        return new DiskCheckResult(DiskFormat.Qcow2, _errors, _leaks, _messages, _dataClusters, totalClusters);
    }

    private ulong EntriesPerBlock => (_clusterSize * 8) >> _header.RefcountOrder;

    private void CheckL2(ulong tableOffset)
    {
        ulong[] table = ReadTable(tableOffset, (int)(_clusterSize / 8));
        foreach (ulong entry in table)
        {
            if ((entry & Qcow2Entry.Compressed) != 0)
            {
                if ((entry & Qcow2Entry.Copied) != 0)
                {
                    Error($"compressed cluster entry 0x{entry:x} has the COPIED flag");
                }

                int shift = 62 - (_clusterBits - 8);
                ulong offset = entry & ((1UL << shift) - 1);
                ulong sectors = ((entry >> shift) & ((1UL << (_clusterBits - 8)) - 1)) + 1;
                ulong start = offset & ~511UL;
                ulong first = start >> _clusterBits;
                ulong last = (start + (sectors * 512) - 1) >> _clusterBits;
                Reference(first << _clusterBits, last - first + 1, "compressed cluster");
                _dataClusters++;
                continue;
            }

            if ((entry & Qcow2Entry.L2StandardReserved) != 0)
            {
                Error($"L2 entry 0x{entry:x} has reserved bits set");
            }

            ulong host = entry & Qcow2Entry.OffsetMask;
            if (host == 0)
            {
                continue;
            }

            if (Aligned(host, "data cluster") && Reference(host, 1, "data cluster"))
            {
                _dataClusters++;
                _copiedChecks.Add((host, (entry & Qcow2Entry.Copied) != 0));
            }
        }
    }

    /// <summary>COPIED must be set exactly when the refcount is 1 (QEMU writes in place on that flag alone).</summary>
    private void CheckCopied(ulong host, bool copied, string what)
    {
        ulong stored = StoredRefcount(host >> _clusterBits);
        if ((stored == 1) != copied)
        {
            Error($"{what} at 0x{host:x}: COPIED flag is {(copied ? "set" : "clear")} but the refcount is {stored}");
        }
    }

    private ulong StoredRefcount(ulong cluster)
    {
        ulong blockIndex = cluster / EntriesPerBlock;
        if (blockIndex >= (ulong)_refcountTable.Length)
        {
            return 0;
        }

        ulong block = _refcountTable[blockIndex] & Qcow2Entry.RefcountTableOffsetMask;
        if (block == 0 || (block & (_clusterSize - 1)) != 0 || block >= _fileLength)
        {
            return 0;
        }

        if (block != _cachedBlockOffset)
        {
            _cachedBlock ??= new byte[_clusterSize];
            Array.Clear(_cachedBlock);
            _read(block, _cachedBlock);
            _cachedBlockOffset = block;
        }

        ulong index = cluster % EntriesPerBlock;
        int order = _header.RefcountOrder;
        return order switch
        {
            < 3 => (ulong)((_cachedBlock![index / (ulong)(8 >> order)] >> ((int)(index % (ulong)(8 >> order)) << order)) & ((1 << (1 << order)) - 1)),
            3 => _cachedBlock![index],
            4 => BinaryPrimitives.ReadUInt16BigEndian(_cachedBlock.AsSpan((int)index * 2)),
            5 => BinaryPrimitives.ReadUInt32BigEndian(_cachedBlock.AsSpan((int)index * 4)),
            _ => BinaryPrimitives.ReadUInt64BigEndian(_cachedBlock.AsSpan((int)index * 8)),
        };
    }

    private bool Reference(ulong offset, ulong clusters, string what)
    {
        ulong first = offset >> _clusterBits;
        if (first + clusters > (ulong)_references.Length)
        {
            Error($"{what} at 0x{offset:x} lies past the end of the file");
            return false;
        }

        for (ulong c = first; c < first + clusters; c++)
        {
            if (_references[c] == ushort.MaxValue)
            {
                Error($"cluster {c} has too many references");
                continue;
            }

            _references[c]++;
        }

        return true;
    }

    private bool Aligned(ulong offset, string what)
    {
        if ((offset & (_clusterSize - 1)) == 0)
        {
            return true;
        }

        Error($"{what} offset 0x{offset:x} is not cluster-aligned");
        return false;
    }

    private ulong ClustersFor(ulong bytes) => (bytes + _clusterSize - 1) >> _clusterBits;

    private ulong[] ReadTable(ulong offset, int entries)
    {
        byte[] bytes = new byte[entries * 8];
        if (offset < _fileLength)
        {
            _read(offset, bytes.AsSpan(0, (int)Math.Min((ulong)bytes.Length, _fileLength - offset)));
        }

        ulong[] table = new ulong[entries];
        for (int i = 0; i < entries; i++)
        {
            table[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(i * 8));
        }

        return table;
    }

    private void Error(string message)
    {
        _errors++;
        Note("ERROR " + message);
    }

    private void Note(string message)
    {
        if (_messages.Count < MaxMessages)
        {
            _messages.Add(message);
        }
    }
}
