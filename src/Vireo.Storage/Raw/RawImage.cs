using Microsoft.Win32.SafeHandles;
using Vireo.Storage.Host;

namespace Vireo.Storage.Raw;

/// <summary>
/// A raw disk image: the file is the virtual disk byte for byte. Positional I/O on one handle
/// (<see cref="RandomAccess"/>) makes concurrent requests safe without a lock. Discard and write-zeroes punch holes
/// where the host file system allows, otherwise they write zeroes.
/// </summary>
public sealed class RawImage : IBlockDevice
{
    private const int ZeroChunk = 1 << 20;

    private readonly ImageFile _file;
    private bool _disposed;

    private RawImage(ImageFile file, string path, bool readOnly, ulong length)
    {
        _file = file;
        Path = path;
        IsReadOnly = readOnly;
        Length = length;
    }

    /// <summary>Full path of the image file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    /// <remarks>The file size rounded down to whole 512-byte sectors.</remarks>
    public ulong Length { get; }

    /// <inheritdoc/>
    public bool IsReadOnly { get; }

    /// <summary>Bytes the file really occupies on the host (holes excluded).</summary>
    public long AllocatedBytes => HostFile.AllocatedBytes(_file.Handle);

    /// <summary>Opens an existing raw image (writers lock it exclusively, readers shared).</summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="NotSupportedException"><paramref name="cache"/> is none and the host file system has no O_DIRECT.</exception>
    public static RawImage Open(string path, bool readOnly, DiskCacheMode cache = DiskCacheMode.Writeback)
    {
        string full = System.IO.Path.GetFullPath(path);
        ImageFile file = ImageFile.Open(full, readOnly, cache);
        try
        {
            return new RawImage(file, full, readOnly, file.Length & ~511UL);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Creates a sparse raw image of <paramref name="size"/> bytes at <paramref name="path"/> (which must not exist).</summary>
    internal static void CreateFile(string path, ulong size)
    {
        if (size > long.MaxValue)
        {
            throw new ArgumentException($"a raw image of {size} bytes is larger than any host file can be");
        }

        using SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        try
        {
            RandomAccess.SetLength(handle, (long)size);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"the host file system cannot hold a raw image of {size} bytes");
        }

        RandomAccess.FlushToDisk(handle);
    }

    /// <inheritdoc/>
    /// <remarks>If the file shrank under us, what is not there reads as zero, like a hole.</remarks>
    public void Read(ulong offset, Span<byte> destination)
    {
        CheckRange(offset, (ulong)destination.Length);
        _file.Read(offset, destination);
    }

    /// <inheritdoc/>
    public void Write(ulong offset, ReadOnlySpan<byte> source)
    {
        CheckWritable();
        CheckRange(offset, (ulong)source.Length);
        _file.Write(offset, source);
    }

    /// <inheritdoc/>
    /// <remarks>One preadv for the whole request.</remarks>
    public void ReadScattered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        CheckRange(offset, IoSegment.TotalLength(segments));
        _file.ReadScattered(offset, segments);
    }

    /// <inheritdoc/>
    /// <remarks>One pwritev for the whole request.</remarks>
    public void WriteGathered(ulong offset, ReadOnlySpan<IoSegment> segments)
    {
        CheckWritable();
        CheckRange(offset, IoSegment.TotalLength(segments));
        _file.WriteGathered(offset, segments);
    }

    /// <inheritdoc/>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsReadOnly)
        {
            _file.Flush();
        }
    }

    /// <inheritdoc/>
    public void Discard(ulong offset, ulong length) => WriteZeroes(offset, length);

    /// <inheritdoc/>
    public void WriteZeroes(ulong offset, ulong length)
    {
        CheckWritable();
        CheckRange(offset, length);
        if (length == 0 || HostFile.TryPunchHole(_file.Handle, (long)offset, (long)length))
        {
            return;
        }

        byte[] zeroes = new byte[(int)Math.Min(length, ZeroChunk)];
        ulong done = 0;
        while (done < length)
        {
            int n = (int)Math.Min((ulong)zeroes.Length, length - done);
            _file.Write(offset + done, zeroes.AsSpan(0, n));
            done += (ulong)n;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _file.Dispose();
        }
    }

    private void CheckWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsReadOnly)
        {
            ThrowReadOnly();
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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowReadOnly() => throw new IOException("the disk image is read-only");

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ThrowOutOfRange(ulong offset, ulong length) =>
        throw new IOException($"request at {offset} (+{length}) is outside the {Length}-byte disk");
}
