using System.Runtime.InteropServices;

namespace Vireo.Core.Memory;

/// <summary>
/// A zero-filled anonymous host mapping. Pages are committed by the kernel on first touch, so a large mapping that is
/// mostly untouched costs almost nothing in RSS.
/// </summary>
/// <remarks>
/// A mapping reserved for huge pages starts on a 2 MiB boundary and is advised <c>MADV_HUGEPAGE</c>: where the host
/// has transparent huge pages (Linux's default "madvise" mode included), the kernel backs it with 2 MiB pages as it is
/// touched. Guest RAM is read and written at random by every guest instruction that touches memory; with 4 KiB pages a
/// 256 MiB guest spans 65,536 host pages, far more than the host TLB holds, with 2 MiB pages 128 (QEMU advises its
/// guest RAM the same way).
/// </remarks>
internal sealed unsafe partial class HostMemory : IDisposable
{
    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MapNoReserve = 0x4000;
    private const int MadvDontNeed = 4;
    private const int MadvHugePage = 14;

    /// <summary>The size of a host huge page (x86-64 and arm64 with 4 KiB base pages).</summary>
    private const ulong HugePageSize = 2 << 20;

    private byte* _mapping;
    private readonly ulong _mappedLength;
    private byte* _pointer;

    private HostMemory(byte* mapping, ulong mappedLength, byte* pointer)
    {
        _mapping = mapping;
        _mappedLength = mappedLength;
        _pointer = pointer;
    }

    /// <summary>The first byte (2 MiB aligned when reserved for huge pages).</summary>
    public byte* Pointer => _pointer;

    /// <summary>Maps <paramref name="length"/> bytes of zeroed memory, committed on first touch.</summary>
    /// <param name="length">Bytes to map.</param>
    /// <param name="hugePages">Align to 2 MiB and ask for transparent huge pages (best effort; see the remarks).</param>
    /// <exception cref="OutOfMemoryException">The host refused the mapping.</exception>
    public static HostMemory Reserve(ulong length, bool hugePages = false)
    {
        ulong mapped = Math.Max(length, 1);
        if (hugePages)
        {
            // Room to start on a huge-page boundary wherever the kernel places the mapping.
            mapped += HugePageSize;
        }

        nint result = Mmap(0, (nuint)mapped, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        if (result == -1)
        {
            throw new OutOfMemoryException($"Cannot map {length} bytes of host memory (errno {Marshal.GetLastPInvokeError()}).");
        }

        byte* pointer = (byte*)result;
        if (hugePages)
        {
            pointer = (byte*)(((ulong)result + HugePageSize - 1) & ~(HugePageSize - 1));

            // Best effort: a host without transparent huge pages (or with them set to "never") refuses the advice, and
            // the memory works the same with 4 KiB pages.
            _ = Madvise((nint)pointer, (nuint)(length & ~(HugePageSize - 1)), MadvHugePage);
        }

        return new HostMemory((byte*)result, mapped, pointer);
    }

    /// <summary>Drops the pages back to the kernel; the next read of them sees zeroes.</summary>
    public void Discard(ulong offset, ulong length)
    {
        const ulong Page = 4096;
        ulong start = (offset + Page - 1) & ~(Page - 1);
        ulong end = (offset + length) & ~(Page - 1);
        if (end > start)
        {
            _ = Madvise((nint)(_pointer + start), (nuint)(end - start), MadvDontNeed);
        }

        // The partial pages at either end are zeroed by hand.
        if (start > offset)
        {
            new Span<byte>(_pointer + offset, (int)Math.Min(start - offset, length)).Clear();
        }

        if (end >= start && offset + length > end)
        {
            new Span<byte>(_pointer + end, (int)(offset + length - end)).Clear();
        }
    }

    public void Dispose()
    {
        if (_mapping != null)
        {
            _ = Munmap((nint)_mapping, (nuint)_mappedLength);
            _mapping = null;
            _pointer = null;
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
