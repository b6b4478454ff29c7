using System.Buffers.Binary;
using Vireo.Storage.Host;

namespace Vireo.Storage.Qcow2;

/// <summary>Refcount table and blocks: lookup, update, cluster allocation and freeing (exclusive lock held).</summary>
public sealed partial class Qcow2Image
{
    private const int MaxCachedRefcountBlocks = 4096;

    private readonly Dictionary<ulong, byte[]> _refcountBlocks = [];
    private readonly Queue<ulong> _reserved = new();
    private readonly List<(ulong Offset, byte[] Block, int Start, int End)> _pendingRefcountWrites = [];
    private readonly ulong _refcountEntriesPerBlock;
    private readonly ulong _maxRefcount;
    private readonly int _reserveBatch;
    private readonly int _maxReserveBatch;
    private int _nextReserveBatch;
    private ulong[] _refcountTable;

    /// <summary>One past the highest cluster index known to be in use or allocated.</summary>
    private ulong _allocationEnd;
    private ulong _freeHint = 1;
    private bool _deferRefcountWrites;

    /// <summary>Takes one cluster (index) whose refcount is already 1 and durable.</summary>
    private ulong AllocateCluster()
    {
        if (_reserved.Count == 0)
        {
            _deferRefcountWrites = true;
            try
            {
                int batch = _nextReserveBatch;
                _nextReserveBatch = _maxReserveBatch;
                for (int i = 0; i < batch; i++)
                {
                    ulong cluster = FindFreeCluster();
                    SetRefcount(cluster, 1);
                    _reserved.Enqueue(cluster);
                }
            }
            finally
            {
                _deferRefcountWrites = false;
                WritePendingRefcounts();
            }

            // The refcounts must be on stable storage before any table points at these clusters.
            _file.Flush();
        }

        return _reserved.Dequeue();
    }

    /// <summary>Gives reserved but unused clusters back, so a flushed or closed image has no leaks; the next batch is small again.</summary>
    private void ReleaseReserved()
    {
        _nextReserveBatch = _reserveBatch;
        _deferRefcountWrites = true;
        try
        {
            while (_reserved.Count > 0)
            {
                ulong cluster = _reserved.Dequeue();
                SetRefcount(cluster, 0);
                _freeHint = Math.Min(_freeHint, cluster);
            }
        }
        finally
        {
            _deferRefcountWrites = false;
            WritePendingRefcounts();
        }
    }

    /// <summary>
    /// Writes the refcount block ranges changed while <see cref="_deferRefcountWrites"/> was set: one write per block
    /// for a whole batch of reservations instead of one per cluster.
    /// </summary>
    private void WritePendingRefcounts()
    {
        if (_corrupt)
        {
            // Damage was found: nothing more is written (the reservations leak, which is harmless).
            _pendingRefcountWrites.Clear();
            return;
        }

        foreach ((ulong offset, byte[] block, int start, int end) in _pendingRefcountWrites)
        {
            WriteRefcountRange(offset, block, start, end - start);
        }

        _pendingRefcountWrites.Clear();
    }

    private void WriteRefcountRange(ulong blockOffset, byte[] block, int start, int length)
    {
        if (_file.Cache == DiskCacheMode.None && block.Length >= ImageFile.DirectAlignment)
        {
            // O_DIRECT: whole aligned blocks from the cached copy, not a read-modify-write in the file.
            int end = (start + length + ImageFile.DirectAlignment - 1) & ~(ImageFile.DirectAlignment - 1);
            start &= ~(ImageFile.DirectAlignment - 1);
            length = end - start;
        }

        WriteHost(blockOffset + (ulong)start, block.AsSpan(start, length), Qcow2Section.RefcountBlock);
    }

    private ulong FindFreeCluster()
    {
        ulong end = Math.Max(_allocationEnd, ClustersOf(_fileLength));
        for (ulong cluster = Math.Max(_freeHint, 1); ; cluster++)
        {
            // Past everything in use, a cluster is free whatever a (hostile) refcount block claims: this bounds
            // the scan.
            if (cluster >= end || (!_metadata.Contains(cluster << _clusterBits) && GetRefcount(cluster) == 0))
            {
                CheckFree(cluster);
                _freeHint = cluster + 1;
                return cluster;
            }
        }
    }

    private void ReleaseCluster(ulong cluster)
    {
        if (cluster == 0 || _metadata.Contains(cluster << _clusterBits))
        {
            // An entry pointing into metadata: leak it rather than free (and later overwrite) a table.
            return;
        }

        ulong count = GetRefcount(cluster);
        if (count == 0)
        {
            return;
        }

        SetRefcount(cluster, count - 1);
        if (count == 1)
        {
            HostFile.TryPunchHole(_file.Handle, (long)(cluster << _clusterBits), (long)_clusterSize);
            _freeHint = Math.Min(_freeHint, cluster);
        }
    }

    private ulong GetRefcount(ulong cluster)
    {
        ulong blockIndex = cluster / _refcountEntriesPerBlock;
        if (blockIndex >= (ulong)_refcountTable.Length)
        {
            return 0;
        }

        ulong blockOffset = _refcountTable[blockIndex] & Qcow2Entry.RefcountTableOffsetMask;
        if (blockOffset == 0)
        {
            return 0;
        }

        return ReadRefcount(GetRefcountBlock(blockOffset), cluster % _refcountEntriesPerBlock);
    }

    private void SetRefcount(ulong cluster, ulong value)
    {
        if (value > _maxRefcount)
        {
            ThrowInvalid($"refcount of cluster {cluster} would overflow");
        }

        ulong blockIndex = cluster / _refcountEntriesPerBlock;
        if (blockIndex >= (ulong)_refcountTable.Length)
        {
            GrowRefcountTable(blockIndex, cluster);
        }

        ulong blockOffset = _refcountTable[blockIndex] & Qcow2Entry.RefcountTableOffsetMask;
        if (blockOffset == 0)
        {
            CreateRefcountBlock(blockIndex, cluster, value);
        }
        else
        {
            byte[] block = GetRefcountBlock(blockOffset);
            (int start, int length) = WriteRefcount(block, cluster % _refcountEntriesPerBlock, value);
            if (_deferRefcountWrites)
            {
                DeferRefcountWrite(blockOffset, block, start, start + length);
            }
            else
            {
                WriteRefcountRange(blockOffset, block, start, length);
            }
        }

        if (value > 0)
        {
            _allocationEnd = Math.Max(_allocationEnd, cluster + 1);
        }

        MarkInUse(cluster, value > 0);
    }

    private void DeferRefcountWrite(ulong blockOffset, byte[] block, int start, int end)
    {
        for (int i = 0; i < _pendingRefcountWrites.Count; i++)
        {
            (ulong offset, byte[] pendingBlock, int pendingStart, int pendingEnd) = _pendingRefcountWrites[i];
            if (offset == blockOffset && ReferenceEquals(pendingBlock, block))
            {
                _pendingRefcountWrites[i] = (offset, block, Math.Min(start, pendingStart), Math.Max(end, pendingEnd));
                return;
            }
        }

        _pendingRefcountWrites.Add((blockOffset, block, start, end));
    }

    private byte[] GetRefcountBlock(ulong offset)
    {
        if (_refcountBlocks.TryGetValue(offset, out byte[]? block))
        {
            return block;
        }

        if ((offset & _clusterMask) != 0 || offset < _clusterSize || offset >= FileEnd)
        {
            ThrowInvalid($"refcount block offset 0x{offset:x} is misaligned, inside the header or past the end of the file");
        }

        if (OverlapsFixedTables(offset) || _l2TableOffsets.Contains(offset))
        {
            ThrowInvalid($"refcount block at 0x{offset:x} overlaps the L1 table, the refcount table or an L2 table");
        }

        block = new byte[_clusterSize];
        _file.Read(offset, block);
        if (_refcountBlocks.Count >= MaxCachedRefcountBlocks)
        {
            // Pending changes live in the cached arrays: write them before the arrays can be read back stale.
            WritePendingRefcounts();
            _refcountBlocks.Clear();
        }

        _refcountBlocks[offset] = block;
        return block;
    }

    /// <summary>
    /// Creates the refcount block for <paramref name="blockIndex"/>. It lives inside the range it describes (every
    /// cluster there is free, since the block did not exist), so it can count itself without recursion.
    /// </summary>
    private void CreateRefcountBlock(ulong blockIndex, ulong cluster, ulong value)
    {
        ulong first = blockIndex * _refcountEntriesPerBlock;
        ulong home = first;
        while (home == cluster || home == 0 || _metadata.Contains(home << _clusterBits))
        {
            home++;
            if (home >= first + _refcountEntriesPerBlock)
            {
                ThrowInvalid("no room for a new refcount block");
            }
        }

        CheckFree(home);
        byte[] block = new byte[_clusterSize];
        WriteRefcount(block, home - first, 1);
        WriteRefcount(block, cluster - first, value);
        ulong offset = home << _clusterBits;
        _metadata.Add(offset);
        _refcountBlockOffsets.Add(offset);
        WriteHost(offset, block, Qcow2Section.RefcountBlock);
        _file.Flush();
        _refcountBlocks[offset] = block;
        MarkInUse(home, true);
        MarkInUse(cluster, value > 0);
        SetRefcountTableEntry(blockIndex, offset);
        _allocationEnd = Math.Max(_allocationEnd, home + 1);
    }

    private void SetRefcountTableEntry(ulong index, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        WriteHost(_header.RefcountTableOffset + (index * 8), bytes, Qcow2Section.RefcountTable);
        _refcountTable[index] = value;
    }

    /// <summary>
    /// Moves the refcount table to a bigger one at the end of the file, together with the refcount blocks needed to
    /// count the new table itself. The header switches over only once everything new is durable, then the old table
    /// is freed: a crash at any point leaves a consistent image (at worst with leaks).
    /// </summary>
    private void GrowRefcountTable(ulong neededIndex, ulong cluster)
    {
        ulong oldEntries = (ulong)_refcountTable.Length;
        ulong start = Math.Max(Math.Max(_allocationEnd, ClustersOf(_fileLength)), cluster + 1);
        ulong tableClusters = 0, blockCount = 0;
        for (int iteration = 0; ; iteration++)
        {
            if (iteration > 64)
            {
                ThrowInvalid("cannot size a new refcount table");
            }

            ulong end = start + tableClusters + blockCount;
            ulong entries = Math.Max(Math.Max(neededIndex + 1, ((end - 1) / _refcountEntriesPerBlock) + 1), oldEntries + (oldEntries / 2));
            ulong newTableClusters = ((entries * 8) + _clusterMask) >> _clusterBits;
            ulong newBlockCount = CountMissingBlocks(start, start + newTableClusters + blockCount, oldEntries);
            if (newTableClusters == tableClusters && newBlockCount == blockCount)
            {
                break;
            }

            tableClusters = newTableClusters;
            blockCount = newBlockCount;
        }

        if ((tableClusters << _clusterBits) > Qcow2Header.MaxRefcountTableBytes)
        {
            throw new IOException("qcow2: the image has grown past the refcount table size limit");
        }

        ulong[] table = new ulong[(tableClusters << _clusterBits) / 8];
        Array.Copy(_refcountTable, table, _refcountTable.Length);
        var newBlocks = new Dictionary<ulong, byte[]>();
        ulong nextBlock = start + tableClusters;
        ulong areaEnd = start + tableClusters + blockCount;
        for (ulong c = start; c < areaEnd; c++)
        {
            ulong index = c / _refcountEntriesPerBlock;
            if (index < oldEntries && _refcountTable[index] != 0)
            {
                continue;
            }

            if (!newBlocks.ContainsKey(index))
            {
                newBlocks[index] = new byte[_clusterSize];
                table[index] = (nextBlock++) << _clusterBits;
            }

            WriteRefcount(newBlocks[index], c % _refcountEntriesPerBlock, 1);
        }

        // Clusters of the new area that fall in blocks which already exist are counted there.
        for (ulong c = start; c < areaEnd; c++)
        {
            ulong index = c / _refcountEntriesPerBlock;
            if (index < oldEntries && _refcountTable[index] != 0)
            {
                byte[] block = GetRefcountBlock(_refcountTable[index] & Qcow2Entry.RefcountTableOffsetMask);
                (int s, int n) = WriteRefcount(block, c % _refcountEntriesPerBlock, 1);
                WriteHost((_refcountTable[index] & Qcow2Entry.RefcountTableOffsetMask) + (ulong)s, block.AsSpan(s, n), Qcow2Section.RefcountBlock);
            }
        }

        // The new table and blocks are not registered as metadata until the header points at them: until then their
        // clusters must simply be free of anything else.
        for (ulong c = start; c < areaEnd; c++)
        {
            CheckFree(c);
            MarkInUse(c, true);
        }

        foreach ((ulong index, byte[] block) in newBlocks)
        {
            WriteHost(table[index], block, Qcow2Section.Data);
        }

        byte[] tableBytes = new byte[tableClusters << _clusterBits];
        for (int i = 0; i < table.Length; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(tableBytes.AsSpan(i * 8), table[i]);
        }

        ulong tableOffset = start << _clusterBits;
        WriteHost(tableOffset, tableBytes, Qcow2Section.Data);
        _file.Flush();

        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(header, tableOffset);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], (uint)tableClusters);
        WriteHost(48, header, Qcow2Section.Header);
        _file.Flush();

        ulong oldOffset = _header.RefcountTableOffset;
        ulong oldClusters = _header.RefcountTableClusters;
        _header.RefcountTableOffset = tableOffset;
        _header.RefcountTableClusters = (uint)tableClusters;
        _refcountTable = table;
        for (ulong c = 0; c < tableClusters; c++)
        {
            _metadata.Add(tableOffset + (c << _clusterBits));
        }

        foreach ((ulong index, byte[] block) in newBlocks)
        {
            _metadata.Add(table[index]);
            _refcountBlockOffsets.Add(table[index]);
            _refcountBlocks[table[index]] = block;
        }

        _allocationEnd = Math.Max(_allocationEnd, areaEnd);
        for (ulong c = 0; c < oldClusters; c++)
        {
            ulong old = oldOffset + (c << _clusterBits);
            _metadata.Remove(old);
            ReleaseCluster(old >> _clusterBits);
        }
    }

    private ulong CountMissingBlocks(ulong firstCluster, ulong endCluster, ulong oldEntries)
    {
        ulong count = 0;
        for (ulong index = firstCluster / _refcountEntriesPerBlock; index <= (endCluster - 1) / _refcountEntriesPerBlock; index++)
        {
            if (index >= oldEntries || _refcountTable[index] == 0)
            {
                count++;
            }
        }

        return count;
    }

    private ulong ReadRefcount(byte[] block, ulong index)
    {
        int order = _header.RefcountOrder;
        switch (order)
        {
            case < 3:
                int bits = 1 << order;
                int perByte = 8 / bits;
                int shift = (int)(index % (ulong)perByte) * bits;
                return (ulong)((block[index / (ulong)perByte] >> shift) & ((1 << bits) - 1));
            case 3:
                return block[index];
            case 4:
                return BinaryPrimitives.ReadUInt16BigEndian(block.AsSpan((int)index * 2));
            case 5:
                return BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan((int)index * 4));
            default:
                return BinaryPrimitives.ReadUInt64BigEndian(block.AsSpan((int)index * 8));
        }
    }

    /// <summary>Stores a refcount; returns the byte range of <paramref name="block"/> that changed.</summary>
    private (int Start, int Length) WriteRefcount(byte[] block, ulong index, ulong value)
    {
        int order = _header.RefcountOrder;
        switch (order)
        {
            case < 3:
                int bits = 1 << order;
                int perByte = 8 / bits;
                int at = (int)(index / (ulong)perByte);
                int shift = (int)(index % (ulong)perByte) * bits;
                int mask = ((1 << bits) - 1) << shift;
                block[at] = (byte)((block[at] & ~mask) | (((int)value << shift) & mask));
                return (at, 1);
            case 3:
                block[index] = (byte)value;
                return ((int)index, 1);
            case 4:
                BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan((int)index * 2), (ushort)value);
                return ((int)index * 2, 2);
            case 5:
                BinaryPrimitives.WriteUInt32BigEndian(block.AsSpan((int)index * 4), (uint)value);
                return ((int)index * 4, 4);
            default:
                BinaryPrimitives.WriteUInt64BigEndian(block.AsSpan((int)index * 8), value);
                return ((int)index * 8, 8);
        }
    }
}
