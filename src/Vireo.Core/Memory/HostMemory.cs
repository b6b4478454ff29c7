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
    private const int MadvNoHugePage = 15;
    private const int MadvCold = 20;

    /// <summary>The size of a host huge page (x86-64 and arm64 with 4 KiB base pages).</summary>
    public const ulong HugePageSize = 2 << 20;

    private const ulong Page = 4096;

    /// <summary>Pages mincore reports on per call (the residency vector is this many bytes).</summary>
    private const int ResidencyChunk = 64 * 1024;

    private readonly Lock _residencyLock = new();
    private byte* _mapping;
    private readonly ulong _mappedLength;
    private readonly ulong _length;
    private byte* _pointer;
    private byte[]? _residency;

    private HostMemory(byte* mapping, ulong mappedLength, byte* pointer, ulong length, bool hugePages)
    {
        _mapping = mapping;
        _mappedLength = mappedLength;
        _pointer = pointer;
        _length = length;
        IsHugePageAdvised = hugePages;
    }

    /// <summary>True when the mapping was advised for transparent huge pages (see the remarks).</summary>
    public bool IsHugePageAdvised { get; }

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

        return new HostMemory((byte*)result, mapped, pointer, length, hugePages);
    }

    /// <summary>Drops the pages back to the kernel; the next read of them sees zeroes.</summary>
    /// <remarks>
    /// In a mapping advised for huge pages, <c>MADV_DONTNEED</c> of part of a 2 MiB huge page only unmaps the part:
    /// the kernel splits the mapping, lowers RSS, and queues the huge page for a split it does later, under memory
    /// pressure, so until then the host gets nothing back (measured: docs/performance.md, "Memory manager"). A huge
    /// page the range covers only in part is therefore split at once (<see cref="SplitPartialHugePage"/>), which frees the
    /// unmapped 4 KiB pages now. Huge pages the range covers whole are freed whole by the first call.
    /// </remarks>
    public void Discard(ulong offset, ulong length)
    {
        ulong start = (offset + Page - 1) & ~(Page - 1);
        ulong end = (offset + length) & ~(Page - 1);
        if (end > start)
        {
            _ = Madvise((nint)(_pointer + start), (nuint)(end - start), MadvDontNeed);
            if (IsHugePageAdvised)
            {
                if ((start & (HugePageSize - 1)) != 0 || end - start < HugePageSize)
                {
                    SplitPartialHugePage(start & ~(HugePageSize - 1));
                }

                if ((end & (HugePageSize - 1)) != 0 && (end & ~(HugePageSize - 1)) != (start & ~(HugePageSize - 1)))
                {
                    SplitPartialHugePage(end & ~(HugePageSize - 1));
                }
            }
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

    /// <summary>
    /// Makes the kernel split the huge page at <paramref name="hugeOffset"/> (2 MiB aligned) now, and keeps the range
    /// on 4 KiB pages from here on. <c>MADV_COLD</c> over a huge page that is no longer mapped whole splits it, which
    /// frees its unmapped 4 KiB pages (it also moves the rest to the inactive list, which only matters to a host that
    /// swaps); <c>MADV_NOHUGEPAGE</c> stops khugepaged from collapsing the range again, which would fill the holes
    /// with zeroes and take the memory back (<c>max_ptes_none</c> is 511 by default). <see cref="AdviseHugePages"/>
    /// undoes it.
    /// </summary>
    private void SplitPartialHugePage(ulong hugeOffset)
    {
        if (hugeOffset + HugePageSize > (_length & ~(HugePageSize - 1)))
        {
            return; // the tail past the last whole huge page was never advised
        }

        _ = Madvise((nint)(_pointer + hugeOffset), (nuint)HugePageSize, MadvCold);
        _ = Madvise((nint)(_pointer + hugeOffset), (nuint)HugePageSize, MadvNoHugePage);
    }

    /// <summary>Advises the whole mapping for huge pages again (after a reset discarded it all). No-op unless reserved for them.</summary>
    public void AdviseHugePages()
    {
        if (IsHugePageAdvised)
        {
            _ = Madvise((nint)_pointer, (nuint)(_length & ~(HugePageSize - 1)), MadvHugePage);
        }
    }

    /// <summary>
    /// Bytes of [<paramref name="offset"/>, +<paramref name="length"/>) the host holds in memory now, from
    /// <c>mincore</c> (4 KiB granular; a page only read, which maps the kernel's shared zero page, counts too).
    /// Thread-safe; costs about a microsecond per 4 MiB (see docs/performance.md). -1 when the host refuses.
    /// </summary>
    public long CountResident(ulong offset, ulong length)
    {
        ulong start = offset & ~(Page - 1);
        ulong end = Math.Min((offset + length + Page - 1) & ~(Page - 1), (_length + Page - 1) & ~(Page - 1));
        long pages = 0;
        lock (_residencyLock)
        {
            byte[] vector = _residency ??= new byte[ResidencyChunk];
            fixed (byte* v = vector)
            {
                for (ulong at = start; at < end;)
                {
                    ulong chunk = Math.Min(end - at, (ulong)ResidencyChunk * Page);
                    if (Mincore((nint)(_pointer + at), (nuint)chunk, v) != 0)
                    {
                        return -1;
                    }

                    int count = (int)(chunk / Page);
                    pages += count - new ReadOnlySpan<byte>(v, count).Count((byte)0);
                    at += chunk;
                }
            }
        }

        return pages * (long)Page;
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

    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static partial int Mincore(nint address, nuint length, byte* vector);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
