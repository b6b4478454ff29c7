using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Vireo.Storage.Host;

namespace Vireo.Storage.Qcow2;

/// <summary>
/// Overlap checks (QEMU's idea, extended to data): before any cluster is handed out or any metadata is written, the
/// target must be what the write expects (a refcount update lands in a refcount block, a data write in no metadata at
/// all, a new cluster in no cluster in use). A violation means the image is damaged: the request fails, the image is
/// marked corrupt (incompatible bit 1, made durable) and no further write reaches it.
/// </summary>
public sealed partial class Qcow2Image
{
    /// <summary>Writable opens rebuild the refcounts of files up to this many clusters (1 TiB of 64 KiB clusters; ~2 bytes each).</summary>
    internal const ulong OpenCheckMaxClusters = 1UL << 24;

    /// <summary>Clusters in use (referenced, or a nonzero refcount), from the check at open; null when it was skipped.</summary>
    private ulong[]? _inUse;
    private volatile bool _corrupt;

    /// <summary>True once an overlap check failed: the image is marked corrupt and refuses writes.</summary>
    public bool IsMarkedCorrupt => _corrupt;

    /// <summary>
    /// The writable-open check: a full refcount rebuild (as <c>vireo disk check</c>) for files up to
    /// <see cref="OpenCheckMaxClusters"/>, else that every metadata cluster has a nonzero refcount.
    /// </summary>
    /// <returns>The clusters in use (null when the file is too large for the full check), or why writing is unsafe.</returns>
    private static (ulong[]? InUse, string? Unsafe) CheckConsistency(ImageFile file, Qcow2Header header, ulong fileLength, string path, ulong maxClusters)
    {
        (DiskCheckResult Result, ulong[] InUse)? check = Qcow2Checker.CheckForOpen(file.Read, header, fileLength, maxClusters);
        return check is { } done && done.Result.Errors > 0
            ? (null, $"its refcounts disagree with its tables ({done.Result.Errors} error(s)), so writing could overwrite data in use (see vireo disk check {path})")
            : (check?.InUse, null);
    }

    /// <summary>For files too large for the full check at open: every metadata cluster must have a nonzero refcount.</summary>
    private string? CheckMetadataRefcounts()
    {
        foreach (ulong offset in _metadata)
        {
            try
            {
                if (GetRefcount(offset >> _clusterBits) == 0)
                {
                    return $"its metadata cluster at 0x{offset:x} has refcount 0, so writing could overwrite it (see vireo disk check {Path})";
                }
            }
            catch (InvalidDataException error)
            {
                return $"{error.Message} (see vireo disk check {Path})";
            }
        }

        return null;
    }

    /// <summary>What the host cluster at <paramref name="offset"/> holds.</summary>
    private Qcow2Section Classify(ulong offset)
    {
        ulong cluster = offset & ~_clusterMask;
        if (cluster < _clusterSize)
        {
            return Qcow2Section.Header;
        }

        if (InRange(cluster, _header.L1TableOffset, (ulong)_header.L1Size * 8))
        {
            return Qcow2Section.L1Table;
        }

        if (InRange(cluster, _header.RefcountTableOffset, (ulong)_header.RefcountTableClusters << _clusterBits))
        {
            return Qcow2Section.RefcountTable;
        }

        if (_header.SnapshotCount > 0 && cluster == (_header.SnapshotsOffset & ~_clusterMask))
        {
            return Qcow2Section.SnapshotTable;
        }

        return _refcountBlockOffsets.Contains(cluster) ? Qcow2Section.RefcountBlock
            : _l2TableOffsets.Contains(cluster) ? Qcow2Section.L2Table
            : Qcow2Section.Data;
    }

    private bool InRange(ulong cluster, ulong start, ulong length) =>
        length > 0 && cluster >= (start & ~_clusterMask) && cluster < start + length;

    /// <summary>Every cluster <paramref name="length"/> bytes from <paramref name="offset"/> touch must hold <paramref name="section"/>.</summary>
    private void CheckWriteTarget(ulong offset, ulong length, Qcow2Section section)
    {
        if (_corrupt)
        {
            ThrowCorrupt();
        }

        for (ulong cluster = offset & ~_clusterMask; cluster < offset + length; cluster += _clusterSize)
        {
            Qcow2Section actual = Classify(cluster);
            if (actual != section)
            {
                Violation($"a {Describe(section)} write at 0x{offset:x} would overwrite the {Describe(actual)} at 0x{cluster:x}");
            }
        }
    }

    /// <summary>A cluster about to be handed out must not be in use by anything.</summary>
    private void CheckFree(ulong cluster)
    {
        if (_corrupt)
        {
            ThrowCorrupt();
        }

        if (IsMarkedInUse(cluster))
        {
            Violation($"cluster {cluster} has refcount 0 but is in use");
        }

        Qcow2Section actual = Classify(cluster << _clusterBits);
        if (actual != Qcow2Section.Data)
        {
            Violation($"cluster {cluster} has refcount 0 but holds the {Describe(actual)}");
        }
    }

    private bool IsMarkedInUse(ulong cluster) =>
        _inUse is { } bits && (cluster >> 6) < (ulong)bits.Length && (bits[cluster >> 6] & (1UL << (int)(cluster & 63))) != 0;

    private void MarkInUse(ulong cluster, bool inUse)
    {
        if (_inUse is not { } bits)
        {
            return;
        }

        ulong word = cluster >> 6;
        if (word >= (ulong)bits.Length)
        {
            if (!inUse)
            {
                return;
            }

            Array.Resize(ref bits, (int)Math.Max(word + 1, (ulong)bits.Length * 2));
            _inUse = bits;
        }

        if (inUse)
        {
            bits[word] |= 1UL << (int)(cluster & 63);
        }
        else
        {
            bits[word] &= ~(1UL << (int)(cluster & 63));
        }
    }

    /// <summary>Marks the image corrupt (durably, whatever the cache mode) and fails the request.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Violation(string what)
    {
        if (!_corrupt)
        {
            _corrupt = true;
            try
            {
                Span<byte> bits = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(bits, _header.IncompatibleFeatures | Qcow2Header.IncompatibleCorrupt);
                _file.Write(72, bits);
                HostFile.FlushData(_file.Handle);
            }
            catch (IOException)
            {
                // The request fails anyway and no further write is made; the in-memory mark is what protects the data.
            }
        }

        throw new IOException($"qcow2: {what}; the image is damaged and is now marked corrupt (see vireo disk check {Path})");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCorrupt() =>
        throw new IOException($"qcow2: the image was marked corrupt when damage was found; it takes no more writes (see vireo disk check {Path})");

    private static string Describe(Qcow2Section section) => section switch
    {
        Qcow2Section.Data => "data",
        Qcow2Section.Header => "header",
        Qcow2Section.L1Table => "L1 table",
        Qcow2Section.RefcountTable => "refcount table",
        Qcow2Section.RefcountBlock => "refcount block",
        Qcow2Section.L2Table => "L2 table",
        _ => "snapshot table",
    };
}
