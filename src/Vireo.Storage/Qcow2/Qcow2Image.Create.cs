using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Storage.Qcow2;

/// <summary>Creation of empty qcow2 version 3 images.</summary>
public sealed partial class Qcow2Image
{
    /// <summary>
    /// Writes an empty qcow2 v3 image (16-bit refcounts) at <paramref name="path"/>, which must not exist.
    /// Layout: header, refcount table, refcount blocks covering the metadata, L1 table.
    /// </summary>
    /// <param name="path">The new file.</param>
    /// <param name="size">Virtual size in bytes (rounded up to 512).</param>
    /// <param name="clusterBits">log2 of the cluster size (9..21).</param>
    /// <param name="backingFile">Backing file name as stored (relative to the image's directory), or null.</param>
    /// <param name="backingFormat">"raw" or "qcow2" for the backing format extension, or null.</param>
    internal static void CreateFile(string path, ulong size, int clusterBits, string? backingFile, string? backingFormat)
    {
        if (clusterBits is < 9 or > 21)
        {
            throw new ArgumentException("the cluster size must be a power of two from 512 bytes to 2 MiB");
        }

        size = (size + 511) & ~511UL;
        ulong clusterSize = 1UL << clusterBits;
        if (size > Qcow2Header.MaxVirtualSize)
        {
            throw new ArgumentException($"a qcow2 virtual size of {size} bytes is too large (at most {Qcow2Header.MaxVirtualSize} bytes, 64 PiB)");
        }

        ulong l1Entries = Math.Max(1, Qcow2Header.RequiredL1Entries(size, clusterBits));
        if (l1Entries * 8 > Qcow2Header.MaxL1Bytes)
        {
            ulong most = Qcow2Header.MaxL1Bytes / 8 * (1UL << ((2 * clusterBits) - 3));
            throw new ArgumentException(
                $"a qcow2 virtual size of {size} bytes is too large for {clusterSize}-byte clusters (at most {most} bytes; a larger --cluster-size allows more)");
        }

        ulong perBlock = clusterSize * 8 / 16;
        ulong l1Clusters = ((l1Entries * 8) + clusterSize - 1) / clusterSize;
        ulong tableClusters = 1, blocks = 1;
        while (true)
        {
            ulong total = 1 + tableClusters + blocks + l1Clusters;
            ulong newBlocks = (total + perBlock - 1) / perBlock;
            ulong newTable = ((newBlocks * 8) + clusterSize - 1) / clusterSize;
            if (newBlocks == blocks && newTable == tableClusters)
            {
                break;
            }

            blocks = newBlocks;
            tableClusters = newTable;
        }

        ulong clusters = 1 + tableClusters + blocks + l1Clusters;
        var header = new Qcow2Header
        {
            Version = 3,
            ClusterBits = clusterBits,
            Size = size,
            L1Size = (uint)l1Entries,
            L1TableOffset = (1 + tableClusters + blocks) * clusterSize,
            RefcountTableOffset = clusterSize,
            RefcountTableClusters = (uint)tableClusters,
            RefcountOrder = 4,
            Extensions = backingFormat is null ? [] : [new Qcow2HeaderExtension(Qcow2Header.BackingFormatExtension, Encoding.UTF8.GetBytes(backingFormat))],
            BackingFile = backingFile,
        };
        byte[] headerBytes = header.Serialize();

        using SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        RandomAccess.SetLength(file, (long)(clusters * clusterSize));
        RandomAccess.Write(file, headerBytes, 0);

        byte[] table = new byte[tableClusters * clusterSize];
        for (ulong b = 0; b < blocks; b++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(table.AsSpan((int)(b * 8)), (1 + tableClusters + b) * clusterSize);
        }

        RandomAccess.Write(file, table, (long)clusterSize);
        byte[] block = new byte[clusterSize];
        for (ulong b = 0; b < blocks; b++)
        {
            Array.Clear(block);
            for (ulong c = b * perBlock; c < Math.Min(clusters, (b + 1) * perBlock); c++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan((int)((c - (b * perBlock)) * 2)), 1);
            }

            RandomAccess.Write(file, block, (long)((1 + tableClusters + b) * clusterSize));
        }

        RandomAccess.FlushToDisk(file);
    }
}
