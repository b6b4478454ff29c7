using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Vireo.Storage.Host;

namespace Vireo.Storage.Qcow2;

/// <summary>Guest-to-host mapping: L1/L2 lookup, the L2 cache, special clusters (backing, zero, compressed).</summary>
public sealed partial class Qcow2Image
{
    private readonly Lock _cacheLock = new();
    private readonly Dictionary<ulong, ulong[]> _l2Cache = [];
    private readonly int _l2CacheCapacity;

    /// <summary>Host offsets of every metadata cluster (header, L1, refcount table and blocks, L2 tables).</summary>
    private readonly HashSet<ulong> _metadata = [];
    private readonly HashSet<ulong> _refcountBlockOffsets = [];
    private readonly HashSet<ulong> _l2TableOffsets = [];
    private ulong _fileLength;
    private ulong _lastCompressedEntry;
    private byte[]? _lastCompressedData;

    /// <summary>The L2 entry mapping <paramref name="guestOffset"/>; 0 when its L2 table is unallocated.</summary>
    private ulong LookupEntry(ulong guestOffset)
    {
        ulong l2Offset = _l1[guestOffset >> (_clusterBits + _l2Bits)] & Qcow2Entry.OffsetMask;
        if (l2Offset == 0)
        {
            return 0;
        }

        return GetL2Table(l2Offset)[L2Index(guestOffset)];
    }

    private int L2Index(ulong guestOffset) => (int)((guestOffset >> _clusterBits) & ((1UL << _l2Bits) - 1));

    private ulong[] GetL2Table(ulong l2Offset)
    {
        lock (_cacheLock)
        {
            if (_l2Cache.TryGetValue(l2Offset, out ulong[]? cached))
            {
                return cached;
            }
        }

        if ((l2Offset & _clusterMask) != 0 || l2Offset < _clusterSize || l2Offset + _clusterSize > FileEnd)
        {
            ThrowInvalid($"L2 table offset 0x{l2Offset:x} is misaligned, inside the header or past the end of the file");
        }

        if (OverlapsFixedTables(l2Offset) || _refcountBlockOffsets.Contains(l2Offset))
        {
            ThrowInvalid($"L2 table at 0x{l2Offset:x} overlaps the L1 table, the refcount table or a refcount block");
        }

        byte[] bytes = ArrayPool<byte>.Shared.Rent((int)_clusterSize);
        try
        {
            _file.Read(l2Offset, bytes.AsSpan(0, (int)_clusterSize));
            ulong[] table = DecodeTable(bytes.AsSpan(0, (int)_clusterSize));
            CacheL2(l2Offset, table);
            return table;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private void CacheL2(ulong l2Offset, ulong[] table)
    {
        lock (_cacheLock)
        {
            if (_l2Cache.Count >= _l2CacheCapacity)
            {
                // Metadata is written through, so dropping the whole cache is always safe; simple beats LRU here.
                _l2Cache.Clear();
            }

            _l2Cache[l2Offset] = table;
        }
    }

    private void ReadHost(ulong host, Span<byte> destination) => _file.Read(host, destination);

    private void ReadSpecial(ulong entry, ulong guestOffset, Span<byte> destination)
    {
        if ((entry & Qcow2Entry.Compressed) != 0)
        {
            byte[] cluster = Decompress(entry);
            cluster.AsSpan((int)(guestOffset & _clusterMask), destination.Length).CopyTo(destination);
        }
        else if (_header.Version >= 3 && (entry & Qcow2Entry.Zero) != 0)
        {
            destination.Clear();
        }
        else
        {
            ReadBacking(guestOffset, destination);
        }
    }

    private void ReadBacking(ulong guestOffset, Span<byte> destination)
    {
        if (_backing is null || guestOffset >= _backing.Length)
        {
            destination.Clear();
            return;
        }

        int available = (int)Math.Min((ulong)destination.Length, _backing.Length - guestOffset);
        _backing.Read(guestOffset, destination[..available]);
        destination[available..].Clear();
    }

    /// <summary>Inflates a compressed cluster (a raw deflate stream, as QEMU writes it).</summary>
    private byte[] Decompress(ulong entry)
    {
        lock (_cacheLock)
        {
            if (_lastCompressedData is not null && _lastCompressedEntry == entry)
            {
                return _lastCompressedData;
            }
        }

        int shift = 62 - (_clusterBits - 8);
        ulong offset = entry & ((1UL << shift) - 1);
        ulong sectors = ((entry >> shift) & ((1UL << (_clusterBits - 8)) - 1)) + 1;
        ulong size = (sectors * 512) - (offset & 511);
        if (offset < _clusterSize || offset >= _fileLength)
        {
            ThrowInvalid($"compressed cluster at 0x{offset:x} is inside the header or past the end of the file");
        }

        byte[] compressed = new byte[(int)Math.Min(size, _fileLength - offset)];
        _file.Read(offset, compressed);
        byte[] output = new byte[_clusterSize];
        using (var stream = new DeflateStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress))
        {
            if (stream.ReadAtLeast(output, output.Length, throwOnEndOfStream: false) < output.Length)
            {
                ThrowInvalid($"compressed cluster at 0x{offset:x} inflates to less than a cluster");
            }
        }

        lock (_cacheLock)
        {
            _lastCompressedEntry = entry;
            _lastCompressedData = output;
        }

        return output;
    }

    /// <summary>Host clusters a compressed entry's data touches: [first, last].</summary>
    private (ulong First, ulong Last) CompressedSpan(ulong entry)
    {
        int shift = 62 - (_clusterBits - 8);
        ulong offset = entry & ((1UL << shift) - 1);
        ulong sectors = ((entry >> shift) & ((1UL << (_clusterBits - 8)) - 1)) + 1;
        ulong start = offset & ~511UL;
        return (start >> _clusterBits, (start + (sectors * 512) - 1) >> _clusterBits);
    }

    private void BuildMetadataSet()
    {
        _metadata.Add(0);
        AddMetadataRange(_header.L1TableOffset, (ulong)_header.L1Size * 8);
        AddMetadataRange(_header.RefcountTableOffset, (ulong)_header.RefcountTableClusters << _clusterBits);
        foreach (ulong entry in _refcountTable)
        {
            ulong block = entry & Qcow2Entry.RefcountTableOffsetMask;
            if (block != 0)
            {
                _metadata.Add(block);
                _refcountBlockOffsets.Add(block);
            }
        }

        foreach (ulong entry in _l1)
        {
            ulong table = entry & Qcow2Entry.OffsetMask;
            if (table != 0)
            {
                _metadata.Add(table);
                _l2TableOffsets.Add(table);
            }
        }
    }

    /// <summary>True when a cluster lies in the header, the L1 table or the refcount table.</summary>
    private bool OverlapsFixedTables(ulong offset)
    {
        ulong l1Start = _header.L1TableOffset & ~_clusterMask;
        ulong l1End = _header.L1TableOffset + ((ulong)_header.L1Size * 8);
        ulong refStart = _header.RefcountTableOffset;
        ulong refEnd = refStart + ((ulong)_header.RefcountTableClusters << _clusterBits);
        return offset < _clusterSize || (offset >= l1Start && offset < l1End) || (offset >= refStart && offset < refEnd);
    }

    private void AddMetadataRange(ulong offset, ulong length)
    {
        for (ulong cluster = offset & ~_clusterMask; cluster < offset + length; cluster += _clusterSize)
        {
            _metadata.Add(cluster);
        }
    }

    // ---- Writing (exclusive lock held) ----

    /// <summary>Writes within one cluster, allocating it (with copy-on-write of the rest) when needed.</summary>
    private void WriteCluster(ulong guestOffset, ReadOnlySpan<byte> data)
    {
        (ulong[] table, ulong tableOffset) = GetL2ForWrite(guestOffset);
        int index = L2Index(guestOffset);
        ulong entry = table[index];
        int intra = (int)(guestOffset & _clusterMask);
        ulong oldHost = (entry & Qcow2Entry.Compressed) == 0 ? entry & Qcow2Entry.OffsetMask : 0;
        bool ownedHost = oldHost != 0 && (oldHost & _clusterMask) == 0 && oldHost >= _clusterSize && oldHost < FileEnd
            && !_metadata.Contains(oldHost) && GetRefcount(oldHost >> _clusterBits) == 1;

        if (IsNormal(entry) && ownedHost)
        {
            WriteHost(oldHost + (ulong)intra, data, Qcow2Section.Data);
            if ((entry & Qcow2Entry.Copied) == 0)
            {
                SetL2Entry(table, tableOffset, index, entry | Qcow2Entry.Copied);
            }

            return;
        }

        byte[] cluster = ArrayPool<byte>.Shared.Rent((int)_clusterSize);
        try
        {
            Span<byte> whole = cluster.AsSpan(0, (int)_clusterSize);
            if (data.Length < whole.Length)
            {
                ulong clusterStart = guestOffset & ~_clusterMask;
                if (IsNormal(entry))
                {
                    ReadHost(DataOffset(entry), whole);
                }
                else
                {
                    ReadSpecial(entry, clusterStart, whole);
                }
            }

            data.CopyTo(whole[intra..]);

            // A preallocated zero cluster we own is reused; anything else (shared, compressed, unallocated) gets a
            // fresh cluster, so the old data stays intact until the new mapping is in place.
            ulong host = ownedHost ? oldHost : AllocateCluster() << _clusterBits;
            WriteHost(host, whole, Qcow2Section.Data);
            SetL2Entry(table, tableOffset, index, host | Qcow2Entry.Copied);
            if (host != oldHost)
            {
                ReleaseEntry(entry);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(cluster);
        }
    }

    /// <summary>Makes one whole cluster read as zero and frees its space.</summary>
    private void ZeroCluster(ulong guestOffset)
    {
        ulong l2Offset = _l1[guestOffset >> (_clusterBits + _l2Bits)] & Qcow2Entry.OffsetMask;
        if (l2Offset == 0 && _backing is null)
        {
            return;
        }

        (ulong[] table, ulong tableOffset) = GetL2ForWrite(guestOffset);
        int index = L2Index(guestOffset);
        ulong entry = table[index];
        ulong replacement = _backing is null ? 0 : Qcow2Entry.Zero;
        if (entry == replacement || (_backing is null && entry == Qcow2Entry.Zero))
        {
            return;
        }

        // Unlink first, then free: a crash in between leaks the cluster instead of leaving a dangling entry.
        SetL2Entry(table, tableOffset, index, replacement);
        ReleaseEntry(entry);
    }

    /// <summary>The L2 table covering <paramref name="guestOffset"/>, allocating an empty one when absent.</summary>
    private (ulong[] Table, ulong Offset) GetL2ForWrite(ulong guestOffset)
    {
        ulong l1Index = guestOffset >> (_clusterBits + _l2Bits);
        ulong l1Entry = _l1[l1Index];
        ulong l2Offset = l1Entry & Qcow2Entry.OffsetMask;
        if (l2Offset != 0)
        {
            ulong[] existing = GetL2Table(l2Offset);
            if ((l1Entry & Qcow2Entry.Copied) == 0)
            {
                if (GetRefcount(l2Offset >> _clusterBits) != 1)
                {
                    ThrowInvalid($"L2 table at 0x{l2Offset:x} is shared (refcount != 1); snapshots are not supported");
                }

                SetL1Entry(l1Index, l1Entry | Qcow2Entry.Copied);
            }

            return (existing, l2Offset);
        }

        ulong newOffset = AllocateCluster() << _clusterBits;
        _metadata.Add(newOffset);
        _l2TableOffsets.Add(newOffset);
        byte[] zero = ArrayPool<byte>.Shared.Rent((int)_clusterSize);
        try
        {
            Array.Clear(zero, 0, (int)_clusterSize);
            WriteHost(newOffset, zero.AsSpan(0, (int)_clusterSize), Qcow2Section.L2Table);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zero);
        }

        ulong[] table = new ulong[1UL << _l2Bits];
        CacheL2(newOffset, table);
        SetL1Entry(l1Index, newOffset | Qcow2Entry.Copied);
        return (table, newOffset);
    }

    private void SetL2Entry(ulong[] table, ulong tableOffset, int index, ulong value)
    {
        if (_file.Cache == DiskCacheMode.None && table.Length * 8 >= ImageFile.DirectAlignment)
        {
            // O_DIRECT: write the entry's whole aligned block from the cached table (identical to the file but for
            // this entry) rather than making the file do a read-modify-write of it.
            const int EntriesPerBlock = ImageFile.DirectAlignment / 8;
            int first = index & ~(EntriesPerBlock - 1);
            Span<byte> block = stackalloc byte[ImageFile.DirectAlignment];
            for (int i = 0; i < EntriesPerBlock; i++)
            {
                BinaryPrimitives.WriteUInt64BigEndian(block[(i * 8)..], first + i == index ? value : table[first + i]);
            }

            WriteHost(tableOffset + ((ulong)first * 8), block, Qcow2Section.L2Table);
            table[index] = value;
            return;
        }

        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        WriteHost(tableOffset + ((ulong)index * 8), bytes, Qcow2Section.L2Table);
        table[index] = value;
    }

    private void SetL1Entry(ulong index, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        WriteHost(_header.L1TableOffset + (index * 8), bytes, Qcow2Section.L1Table);
        _l1[index] = value;
    }

    /// <summary>Every write of the image's own (metadata or copied-on-write data) goes here, after the overlap check.</summary>
    private void WriteHost(ulong offset, ReadOnlySpan<byte> data, Qcow2Section section)
    {
        CheckWriteTarget(offset, (ulong)data.Length, section);
        _file.Write(offset, data);
        _fileLength = Math.Max(_fileLength, offset + (ulong)data.Length);
    }

    /// <summary>Drops the references an old L2 entry held (never touching clusters that look like metadata).</summary>
    private void ReleaseEntry(ulong entry)
    {
        if ((entry & Qcow2Entry.Compressed) != 0)
        {
            (ulong first, ulong last) = CompressedSpan(entry);
            for (ulong cluster = first; cluster <= last && cluster < _allocationEnd; cluster++)
            {
                ReleaseCluster(cluster);
            }

            return;
        }

        ulong host = entry & Qcow2Entry.OffsetMask;
        if (host != 0 && (host & _clusterMask) == 0)
        {
            ReleaseCluster(host >> _clusterBits);
        }
    }
}
