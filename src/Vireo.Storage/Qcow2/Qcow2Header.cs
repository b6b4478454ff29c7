using System.Buffers.Binary;
using System.Text;

namespace Vireo.Storage.Qcow2;

/// <summary>
/// The qcow2 file header (version 2 or 3) with its header extensions and backing file name, parsed and validated
/// from the first cluster of an image. Every limit is checked here so nothing later trusts a raw header value.
/// </summary>
public sealed class Qcow2Header
{
    /// <summary>"QFI\xfb", big-endian.</summary>
    public const uint Magic = 0x514649FB;

    public const uint BackingFormatExtension = 0xE2792ACA;
    public const uint FeatureTableExtension = 0x6803F857;

    public const ulong IncompatibleDirty = 1UL << 0;
    public const ulong IncompatibleCorrupt = 1UL << 1;

    /// <summary>L1 tables larger than this are refused (QEMU's own limit): no unbounded allocation from a header.</summary>
    public const ulong MaxL1Bytes = 32UL << 20;

    /// <summary>Refcount tables larger than this are refused (QEMU's own limit).</summary>
    public const ulong MaxRefcountTableBytes = 8UL << 20;

    /// <summary>Virtual sizes above this (the 56-bit reach of L2 entries) are refused.</summary>
    public const ulong MaxVirtualSize = 1UL << 56;

    private const int V2HeaderLength = 72;
    private const int V3MinHeaderLength = 104;

    public uint Version { get; init; }

    public ulong BackingFileOffset { get; init; }

    public uint BackingFileSize { get; init; }

    public int ClusterBits { get; init; }

    public ulong Size { get; init; }

    public uint L1Size { get; init; }

    public ulong L1TableOffset { get; init; }

    public ulong RefcountTableOffset { get; set; }

    public uint RefcountTableClusters { get; set; }

    public uint SnapshotCount { get; init; }

    public ulong SnapshotsOffset { get; init; }

    public ulong IncompatibleFeatures { get; init; }

    public ulong CompatibleFeatures { get; init; }

    public ulong AutoclearFeatures { get; set; }

    public int RefcountOrder { get; init; } = 4;

    public uint HeaderLength { get; init; } = V3MinHeaderLength;

    /// <summary>Header bytes beyond the fields this code knows (v3 additional fields), preserved on rewrite.</summary>
    public byte[] AdditionalFields { get; init; } = [];

    public List<Qcow2HeaderExtension> Extensions { get; init; } = [];

    /// <summary>The backing file name as stored (relative names are relative to the image's directory), or null.</summary>
    public string? BackingFile { get; init; }

    public int ClusterSize => 1 << ClusterBits;

    public int RefcountBits => 1 << RefcountOrder;

    /// <summary>The backing format named by the header extension ("raw", "qcow2"...), or null when absent.</summary>
    public string? BackingFormat
    {
        get
        {
            foreach (Qcow2HeaderExtension extension in Extensions)
            {
                if (extension.Type == BackingFormatExtension)
                {
                    return Encoding.UTF8.GetString(extension.Data);
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Parses and validates a header. <paramref name="firstCluster"/> holds at least the first cluster of the file
    /// (or the whole file when shorter); <paramref name="fileLength"/> bounds every offset.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is not a valid qcow2 header or exceeds a limit.</exception>
    /// <param name="firstCluster">At least the first cluster of the file (or the whole file when shorter).</param>
    /// <param name="fileLength">Bounds every offset.</param>
    /// <param name="forCheck">For a consistency check (as <c>qemu-img check</c> opens an image): the L1 and refcount
    /// tables may run past the end of the file or overlap each other; the check reports that as corruption.</param>
    public static Qcow2Header Parse(ReadOnlySpan<byte> firstCluster, ulong fileLength, bool forCheck)
    {
        Qcow2Header header = ParseFields(firstCluster);
        header.Validate(fileLength, forCheck);
        return header;
    }

    /// <summary>Parses and validates a header for opening the image (every table inside the file, none overlapping).</summary>
    public static Qcow2Header Parse(ReadOnlySpan<byte> firstCluster, ulong fileLength) => Parse(firstCluster, fileLength, forCheck: false);

    private static Qcow2Header ParseFields(ReadOnlySpan<byte> firstCluster)
    {
        if (firstCluster.Length < V2HeaderLength || BinaryPrimitives.ReadUInt32BigEndian(firstCluster) != Magic)
        {
            throw Invalid("not a qcow2 image (bad magic)");
        }

        uint version = Be32(firstCluster, 4);
        if (version is not (2 or 3))
        {
            throw Invalid($"unsupported qcow2 version {version}");
        }

        int clusterBits = (int)Math.Min(Be32(firstCluster, 20), 64);
        if (clusterBits is < 9 or > 21)
        {
            throw Invalid($"cluster_bits {clusterBits} is outside 9..21");
        }

        int clusterSize = 1 << clusterBits;
        uint headerLength = V2HeaderLength;
        ulong incompatible = 0, compatible = 0, autoclear = 0;
        int refcountOrder = 4;
        if (version == 3)
        {
            if (firstCluster.Length < V3MinHeaderLength)
            {
                throw Invalid("truncated version 3 header");
            }

            incompatible = Be64(firstCluster, 72);
            compatible = Be64(firstCluster, 80);
            autoclear = Be64(firstCluster, 88);
            uint order = Be32(firstCluster, 96);
            if (order > 6)
            {
                throw Invalid($"refcount_order {order} exceeds 6");
            }

            refcountOrder = (int)order;
            headerLength = Be32(firstCluster, 100);
            // The spec asks for a multiple of 8; QEMU accepts any length, and so does this (extensions follow it).
            if (headerLength < V3MinHeaderLength || headerLength > (uint)clusterSize
                || headerLength > (uint)firstCluster.Length)
            {
                throw Invalid($"bad header_length {headerLength}");
            }
        }

        var header = new Qcow2Header
        {
            Version = version,
            BackingFileOffset = Be64(firstCluster, 8),
            BackingFileSize = Be32(firstCluster, 16),
            ClusterBits = clusterBits,
            Size = Be64(firstCluster, 24),
            L1Size = Be32(firstCluster, 36),
            L1TableOffset = Be64(firstCluster, 40),
            RefcountTableOffset = Be64(firstCluster, 48),
            RefcountTableClusters = Be32(firstCluster, 56),
            SnapshotCount = Be32(firstCluster, 60),
            SnapshotsOffset = Be64(firstCluster, 64),
            IncompatibleFeatures = incompatible,
            CompatibleFeatures = compatible,
            AutoclearFeatures = autoclear,
            RefcountOrder = refcountOrder,
            HeaderLength = headerLength,
            AdditionalFields = version == 3 ? firstCluster[V3MinHeaderLength..(int)headerLength].ToArray() : [],
            Extensions = ParseExtensions(firstCluster, (int)headerLength, clusterSize),
            BackingFile = ParseBackingFile(firstCluster, clusterSize),
        };

        if (Be32(firstCluster, 32) != 0)
        {
            throw Invalid("encrypted qcow2 images are not supported");
        }

        if (header.AdditionalFields.Length > 0 && header.AdditionalFields[0] != 0)
        {
            throw Invalid($"compression type {header.AdditionalFields[0]} is not supported (only zlib)");
        }

        return header;
    }

    /// <summary>Clusters needed by an L1 table to map <paramref name="size"/> bytes.</summary>
    public static ulong RequiredL1Entries(ulong size, int clusterBits)
    {
        int l2Bits = clusterBits - 3;
        int shift = clusterBits + l2Bits;
        return shift >= 64 ? 1 : (size + (1UL << shift) - 1) >> shift;
    }

    /// <summary>
    /// Refuses images with incompatible features this code does not implement. Dirty and corrupt images are left to
    /// <see cref="UnsafeToWrite"/>: they may be read (refcounts do not matter to reads), never written.
    /// </summary>
    public void CheckFeatures(bool readOnly)
    {
        ulong unknown = IncompatibleFeatures & ~(IncompatibleDirty | IncompatibleCorrupt);
        if (unknown != 0)
        {
            throw Invalid($"unsupported feature: incompatible feature(s) {DescribeFeatures(0, unknown)}");
        }

        if (!readOnly && Version < 3)
        {
            throw Invalid("qcow2 version 2 images are read-only here; convert with: vireo disk convert --to qcow2");
        }

        if (!readOnly && SnapshotCount > 0)
        {
            throw Invalid("qcow2 images with internal snapshots are read-only here");
        }
    }

    /// <summary>
    /// Why an image with this header must not be written (marked corrupt, or dirty: its refcounts may be stale), or
    /// null. It may still be read.
    /// </summary>
    public string? UnsafeToWrite(string path) =>
        (IncompatibleFeatures & IncompatibleCorrupt) != 0
            ? $"the image is marked corrupt (damage was found in its metadata) and can only be opened read-only (see vireo disk check {path})"
            : (IncompatibleFeatures & IncompatibleDirty) != 0
                ? $"the image is marked dirty (lazy refcounts not yet rebuilt) and can only be opened read-only (see vireo disk check {path})"
                : null;

    /// <summary>Serialises the header, its extensions and the backing file name into the start of a cluster.</summary>
    public byte[] Serialize()
    {
        byte[] buffer = new byte[ClusterSize];
        Span<byte> b = buffer;
        BinaryPrimitives.WriteUInt32BigEndian(b, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(b[20..], (uint)ClusterBits);
        BinaryPrimitives.WriteUInt64BigEndian(b[24..], Size);
        BinaryPrimitives.WriteUInt32BigEndian(b[36..], L1Size);
        BinaryPrimitives.WriteUInt64BigEndian(b[40..], L1TableOffset);
        BinaryPrimitives.WriteUInt64BigEndian(b[48..], RefcountTableOffset);
        BinaryPrimitives.WriteUInt32BigEndian(b[56..], RefcountTableClusters);
        BinaryPrimitives.WriteUInt32BigEndian(b[60..], SnapshotCount);
        BinaryPrimitives.WriteUInt64BigEndian(b[64..], SnapshotsOffset);
        int position = V2HeaderLength;
        if (Version >= 3)
        {
            BinaryPrimitives.WriteUInt64BigEndian(b[72..], IncompatibleFeatures);
            BinaryPrimitives.WriteUInt64BigEndian(b[80..], CompatibleFeatures);
            BinaryPrimitives.WriteUInt64BigEndian(b[88..], AutoclearFeatures);
            BinaryPrimitives.WriteUInt32BigEndian(b[96..], (uint)RefcountOrder);
            uint length = (uint)(V3MinHeaderLength + AdditionalFields.Length);
            BinaryPrimitives.WriteUInt32BigEndian(b[100..], length);
            AdditionalFields.CopyTo(b[V3MinHeaderLength..]);
            position = (int)length;
        }

        foreach (Qcow2HeaderExtension extension in Extensions)
        {
            int padded = (extension.Data.Length + 7) & ~7;
            EnsureRoom(position + 8 + padded);
            BinaryPrimitives.WriteUInt32BigEndian(b[position..], extension.Type);
            BinaryPrimitives.WriteUInt32BigEndian(b[(position + 4)..], (uint)extension.Data.Length);
            extension.Data.CopyTo(b[(position + 8)..]);
            position += 8 + padded;
        }

        EnsureRoom(position + 8);
        position += 8; // end-of-extensions marker: type 0, length 0
        if (BackingFile is not null)
        {
            byte[] name = Encoding.UTF8.GetBytes(BackingFile);
            EnsureRoom(position + name.Length);
            name.CopyTo(b[position..]);
            BinaryPrimitives.WriteUInt64BigEndian(b[8..], (ulong)position);
            BinaryPrimitives.WriteUInt32BigEndian(b[16..], (uint)name.Length);
        }

        return buffer;

        void EnsureRoom(int end)
        {
            if (end > ClusterSize)
            {
                throw new ArgumentException("the header, its extensions and the backing file name do not fit in one cluster");
            }
        }
    }

    private void Validate(ulong fileLength, bool forCheck)
    {
        ulong bound = forCheck ? ulong.MaxValue : fileLength;
        ulong clusterSize = (ulong)ClusterSize;
        if (Size > MaxVirtualSize)
        {
            throw Invalid($"virtual size {Size} is too large");
        }

        if ((ulong)L1Size * 8 > MaxL1Bytes)
        {
            throw Invalid($"L1 table of {L1Size} entries is too large");
        }

        if (L1Size < RequiredL1Entries(Size, ClusterBits))
        {
            throw Invalid($"L1 table of {L1Size} entries cannot map the {Size}-byte virtual size");
        }

        CheckTable("L1 table", L1TableOffset, (ulong)L1Size * 8, bound, L1Size != 0);
        ulong refcountBytes = (ulong)RefcountTableClusters * clusterSize;
        if (RefcountTableClusters == 0 || refcountBytes > MaxRefcountTableBytes)
        {
            throw Invalid($"refcount table of {RefcountTableClusters} clusters is out of bounds");
        }

        CheckTable("refcount table", RefcountTableOffset, refcountBytes, bound, required: true);
        if (!forCheck && L1Size != 0 && Overlaps(L1TableOffset, (ulong)L1Size * 8, RefcountTableOffset, refcountBytes))
        {
            throw Invalid("the L1 table and the refcount table overlap");
        }

        if (SnapshotCount > 0)
        {
            CheckTable("snapshot table", SnapshotsOffset, 1, fileLength, required: true);
        }
    }

    private void CheckTable(string name, ulong offset, ulong length, ulong fileLength, bool required)
    {
        if (!required)
        {
            return;
        }

        ulong clusterSize = (ulong)ClusterSize;
        if (offset % clusterSize != 0)
        {
            throw Invalid($"{name} offset {offset} is not cluster-aligned");
        }

        if (offset < clusterSize)
        {
            throw Invalid($"{name} overlaps the header");
        }

        if (offset >= fileLength || length > fileLength - offset)
        {
            throw Invalid($"{name} at {offset} (+{length}) lies past the end of the {fileLength}-byte file");
        }
    }

    private static bool Overlaps(ulong a, ulong aLength, ulong b, ulong bLength) => a < b + bLength && b < a + aLength;

    private static List<Qcow2HeaderExtension> ParseExtensions(ReadOnlySpan<byte> cluster, int start, int clusterSize)
    {
        var extensions = new List<Qcow2HeaderExtension>();
        int end = Math.Min(cluster.Length, clusterSize);
        int position = start;
        while (true)
        {
            if (position + 8 > end)
            {
                // No end marker within the first cluster: QEMU tolerates a header that simply ends here.
                return extensions;
            }

            uint type = Be32(cluster, position);
            uint length = Be32(cluster, position + 4);
            if (type == 0)
            {
                return extensions;
            }

            if (length > (uint)(end - position - 8))
            {
                throw Invalid($"header extension 0x{type:x8} runs past the first cluster");
            }

            extensions.Add(new Qcow2HeaderExtension(type, cluster.Slice(position + 8, (int)length).ToArray()));
            position += 8 + (int)((length + 7) & ~7u);
        }
    }

    private static string? ParseBackingFile(ReadOnlySpan<byte> cluster, int clusterSize)
    {
        ulong offset = Be64(cluster, 8);
        if (offset == 0)
        {
            return null;
        }

        uint size = Be32(cluster, 16);
        if (size == 0 || size > 1023 || offset > (ulong)Math.Min(cluster.Length, clusterSize) - size)
        {
            throw Invalid("bad backing file name location in the header");
        }

        return Encoding.UTF8.GetString(cluster.Slice((int)offset, (int)size));
    }

    private string DescribeFeatures(byte kind, ulong bits)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((bits & (1UL << bit)) == 0)
            {
                continue;
            }

            string name = $"bit {bit}";
            foreach (Qcow2HeaderExtension extension in Extensions)
            {
                if (extension.Type != FeatureTableExtension)
                {
                    continue;
                }

                for (int i = 0; i + 48 <= extension.Data.Length; i += 48)
                {
                    if (extension.Data[i] == kind && extension.Data[i + 1] == bit)
                    {
                        name = Encoding.UTF8.GetString(extension.Data.AsSpan(i + 2, 46)).TrimEnd('\0');
                    }
                }
            }

            string known = bit switch
            {
                2 => "external data file",
                3 => "compression type",
                4 => "extended L2 entries",
                _ => "unknown",
            };
            names.Add(name == $"bit {bit}" ? $"{known} (bit {bit})" : $"{name} (bit {bit})");
        }

        return string.Join(", ", names);
    }

    private static uint Be32(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt32BigEndian(b[offset..]);

    private static ulong Be64(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt64BigEndian(b[offset..]);

    private static InvalidDataException Invalid(string message) => new($"qcow2: {message}");
}
