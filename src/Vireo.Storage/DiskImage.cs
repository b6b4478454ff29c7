using Vireo.Storage.Host;
using Vireo.Storage.Qcow2;
using Vireo.Storage.Raw;

namespace Vireo.Storage;

/// <summary>
/// Opens, creates, inspects and converts disk images of every supported format. New files are built under a
/// temporary name in the same directory and renamed into place, so a failure never leaves a half-written image.
/// </summary>
public static class DiskImage
{
    /// <summary>Default qcow2 cluster size (64 KiB, as QEMU).</summary>
    public const int DefaultClusterSize = 65536;

    /// <summary>Backing chains deeper than this are refused (bounds recursion on hostile chains).</summary>
    public const int MaxChainDepth = 256;

    private const int ConvertChunk = 1 << 20;
    private const int ZeroGranule = 65536;

    /// <summary>Detects the format from the file's first bytes: the qcow2 magic, else raw.</summary>
    public static DiskFormat Probe(string path)
    {
        HostFile.RequireImageFile(path);
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Span<byte> magic = stackalloc byte[4];
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4
            && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(magic) == Qcow2Header.Magic
            ? DiskFormat.Qcow2
            : DiskFormat.Raw;
    }

    /// <summary>Parses "raw" or "qcow2".</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static DiskFormat ParseFormat(string name) => name switch
    {
        "raw" => DiskFormat.Raw,
        "qcow2" => DiskFormat.Qcow2,
        _ => throw new ArgumentException($"unknown disk format '{name}' (expected raw or qcow2)"),
    };

    /// <summary>The name QEMU uses for a format ("raw", "qcow2").</summary>
    public static string FormatName(DiskFormat format) => format == DiskFormat.Qcow2 ? "qcow2" : "raw";

    /// <summary>
    /// Opens an image and its whole backing chain (backing images read-only). The format is probed when
    /// <paramref name="format"/> is null. Every file of the chain uses <paramref name="cache"/>.
    /// <paramref name="readOnly"/> null means writable when safe: a damaged qcow2 (refcounts that disagree with its
    /// tables, or marked corrupt or dirty) then opens read-only, and <paramref name="warn"/> gets a one-line reason;
    /// false insists on writing and refuses such an image. Check <see cref="IBlockDevice.IsReadOnly"/> for the outcome.
    /// </summary>
    /// <exception cref="FileNotFoundException">The image or a backing file does not exist.</exception>
    /// <exception cref="InvalidDataException">The image is corrupt, unsupported, or its chain loops.</exception>
    /// <exception cref="NotSupportedException"><paramref name="cache"/> is none and the host file system has no O_DIRECT.</exception>
    public static IBlockDevice Open(
        string path, DiskFormat? format = null, bool? readOnly = null, DiskCacheMode cache = DiskCacheMode.Writeback, Action<string>? warn = null) =>
        OpenChain(path, format, readOnly, cache, warn, new HashSet<string>(StringComparer.Ordinal));

    /// <summary>Parses "writeback", "none" or "unsafe".</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static DiskCacheMode ParseCacheMode(string name) => name switch
    {
        "writeback" => DiskCacheMode.Writeback,
        "none" => DiskCacheMode.None,
        "unsafe" => DiskCacheMode.Unsafe,
        _ => throw new ArgumentException($"unknown cache mode '{name}' (expected writeback, none or unsafe)"),
    };

    /// <summary>
    /// Creates a new image (refusing to overwrite an existing file). With a backing file and no size the size is the
    /// backing image's. The backing file name is stored as given and, when relative, resolved against the new
    /// image's directory (as QEMU does).
    /// </summary>
    public static void Create(
        string path, DiskFormat format, ulong? size, string? backingFile = null, DiskFormat? backingFormat = null,
        int clusterSize = DefaultClusterSize)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full) || Directory.Exists(full))
        {
            throw new IOException($"'{path}' already exists");
        }

        if (backingFile is not null)
        {
            if (format != DiskFormat.Qcow2)
            {
                throw new ArgumentException("only qcow2 images can have a backing file");
            }

            string backingFull = Path.GetFullPath(backingFile, Path.GetDirectoryName(full)!);
            HostFile.RequireImageFile(backingFull);
            if (!File.Exists(backingFull))
            {
                throw new FileNotFoundException($"backing file '{backingFile}' not found (looked for {backingFull})", backingFull);
            }

            using IBlockDevice backing = Open(backingFull, backingFormat, readOnly: true);
            backingFormat ??= Probe(backingFull);
            size ??= backing.Length;
        }

        if (size is null)
        {
            throw new ArgumentException("a size is needed (or a backing file to take it from)");
        }

        if (!int.IsPow2(clusterSize))
        {
            throw new ArgumentException("the cluster size must be a power of two");
        }

        ulong bytes = size.Value;
        WriteViaTemp(full, temp =>
        {
            if (format == DiskFormat.Qcow2)
            {
                Qcow2Image.CreateFile(temp, bytes, int.Log2(clusterSize), backingFile, backingFormat is { } f ? FormatName(f) : null);
            }
            else
            {
                RawImage.CreateFile(temp, (bytes + 511) & ~511UL);
            }
        });
    }

    /// <summary>Describes an image and its backing chain; <paramref name="warn"/> gets what the guest would not see as expected.</summary>
    public static DiskImageInfo Inspect(string path, DiskFormat? format = null, Action<string>? warn = null)
    {
        using IBlockDevice device = Open(path, format, readOnly: true, warn: warn);
        return Describe(device);
    }

    /// <summary>
    /// Copies the virtual disk of <paramref name="source"/> (read through its whole backing chain) into a new
    /// standalone image. Zero regions are skipped, so the result is sparse (raw) or unallocated there (qcow2).
    /// </summary>
    public static void Convert(string source, DiskFormat? sourceFormat, string destination, DiskFormat format, int clusterSize = DefaultClusterSize)
    {
        string full = Path.GetFullPath(destination);
        if (File.Exists(full))
        {
            throw new IOException($"'{destination}' already exists");
        }

        using IBlockDevice input = Open(source, sourceFormat, readOnly: true);
        WriteViaTemp(full, temp =>
        {
            if (format == DiskFormat.Qcow2)
            {
                Qcow2Image.CreateFile(temp, input.Length, int.Log2(clusterSize), null, null);
            }
            else
            {
                RawImage.CreateFile(temp, input.Length);
            }

            using IBlockDevice output = Open(temp, format, readOnly: false);
            byte[] buffer = new byte[ConvertChunk];
            for (ulong offset = 0; offset < input.Length; offset += ConvertChunk)
            {
                int length = (int)Math.Min(ConvertChunk, input.Length - offset);
                input.Read(offset, buffer.AsSpan(0, length));
                for (int at = 0; at < length; at += ZeroGranule)
                {
                    ReadOnlySpan<byte> piece = buffer.AsSpan(at, Math.Min(ZeroGranule, length - at));
                    if (piece.ContainsAnyExcept((byte)0))
                    {
                        output.Write(offset + (ulong)at, piece);
                    }
                }
            }

            output.Flush();
        });
    }

    /// <summary>
    /// Checks an image's consistency (qcow2: refcounts against references, like <c>qemu-img check</c>; raw images
    /// have no metadata and are always clean).
    /// </summary>
    /// <exception cref="InvalidDataException">The image cannot be checked: it cannot be opened (unsupported feature, bad header, broken backing chain).</exception>
    /// <exception cref="FileNotFoundException">The image or a file of its backing chain does not exist.</exception>
    public static DiskCheckResult Check(string path, DiskFormat? format = null)
    {
        string full = Path.GetFullPath(path);
        HostFile.RequireImageFile(full);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"disk image '{path}' not found", full);
        }

        DiskFormat actual = format ?? Probe(full);
        if (actual == DiskFormat.Raw)
        {
            return new DiskCheckResult(DiskFormat.Raw, 0, 0, [], 0, 0);
        }

        // What qemu-img cannot open cannot be checked (exit 2): unsupported incompatible features, a header out of
        // bounds, and a backing chain that is missing, not a file, or loops.
        return Qcow2Checker.Check(full, header => CheckBackingChain(full, header));
    }

    /// <summary>
    /// Raw images get two warnings, as QEMU gives for probed raw images: a probed file whose first bytes are nearly the
    /// qcow2 magic is probably a qcow2 with a damaged header (the guest would see its metadata as data); and a size
    /// that is not a multiple of 512 hides the tail from the guest.
    /// </summary>
    private static void WarnAboutRaw(string full, bool probed, Action<string> warn)
    {
        using (FileStream stream = new(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            Span<byte> magic = stackalloc byte[4];
            if (probed && stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4)
            {
                uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(magic);
                if (uint.PopCount(value ^ Qcow2Header.Magic) <= 4 || magic[..3].SequenceEqual("QFI"u8))
                {
                    warn($"'{full}' starts like a qcow2 image with a damaged header (magic 0x{value:x8}) and is attached as raw; the guest sees its metadata as data (give format=raw if it really is raw, or see vireo disk check)");
                }
            }

            long length = stream.Length;
            if (length % 512 != 0)
            {
                warn($"'{full}' is {length} bytes, not a multiple of 512: its last {length % 512} bytes are not visible to the guest");
            }
        }
    }

    private static void CheckBackingChain(string full, Qcow2Header header)
    {
        if (header.BackingFile is not { } name)
        {
            return;
        }

        string backing = Path.GetFullPath(name, Path.GetDirectoryName(full)!);
        DiskFormat? backingFormat = header.BackingFormat switch
        {
            null => null,
            "raw" => DiskFormat.Raw,
            "qcow2" => DiskFormat.Qcow2,
            string other => throw new InvalidDataException($"qcow2: unsupported backing file format '{other}'"),
        };
        HostFile.RequireImageFile(backing);
        if (!File.Exists(backing))
        {
            throw new FileNotFoundException($"backing file '{name}' of '{full}' not found ({backing})", backing);
        }

        var visited = new HashSet<string>(StringComparer.Ordinal) { new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full };
        using (OpenChain(backing, backingFormat, readOnly: true, DiskCacheMode.Writeback, null, visited))
        {
        }
    }

    private static DiskImageInfo Describe(IBlockDevice device) => device switch
    {
        Qcow2Image q => new DiskImageInfo(
            q.Path, DiskFormat.Qcow2, q.Length, q.AllocatedBytes, q.ClusterSize, q.Header.BackingFile, q.Header.BackingFormat,
            q.Backing is null ? null : Describe(q.Backing)),
        RawImage r => new DiskImageInfo(r.Path, DiskFormat.Raw, r.Length, r.AllocatedBytes, null, null, null, null),
        _ => throw new ArgumentException("unknown image type"),
    };

    private static IBlockDevice OpenChain(string path, DiskFormat? format, bool? readOnly, DiskCacheMode cache, Action<string>? warn, HashSet<string> visited)
    {
        string full = Path.GetFullPath(path);
        HostFile.RequireImageFile(full);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"disk image '{path}' not found", full);
        }

        string identity = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        if (!visited.Add(identity))
        {
            throw new InvalidDataException($"backing chain loops back to '{full}'");
        }

        if (visited.Count > MaxChainDepth)
        {
            throw new InvalidDataException($"backing chain is deeper than {MaxChainDepth} images");
        }

        DiskFormat actual = format ?? Probe(full);
        if (actual == DiskFormat.Raw && warn is not null)
        {
            WarnAboutRaw(full, probed: format is null, warn);
        }

        return actual == DiskFormat.Qcow2
            ? Qcow2Image.Open(full, readOnly, (backing, backingFormat) => OpenChain(backing, backingFormat, readOnly: true, cache, warn, visited), cache, warn)
            : RawImage.Open(full, readOnly == true, cache);
    }

    private static void WriteViaTemp(string destination, Action<string> build)
    {
        string directory = Path.GetDirectoryName(destination)!;
        if (!Directory.Exists(directory))
        {
            // Said here, or the error would name the temporary file.
            throw new DirectoryNotFoundException($"cannot create '{destination}': directory '{directory}' does not exist");
        }

        string temp = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        try
        {
            build(temp);
            File.Move(temp, destination, overwrite: false);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
