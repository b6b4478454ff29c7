using System.Runtime.CompilerServices;

namespace Vireo.Core.Memory;

/// <summary>
/// A VM's guest RAM: one contiguous region of unmanaged host memory mapped at a guest physical base address.
/// </summary>
/// <remarks>
/// The region is reserved with <c>mmap(MAP_NORESERVE)</c>, so an idle guest costs only the pages it touched in host
/// RSS. Besides the bytes, the RAM keeps one byte per 4 KiB page (<see cref="CodePageFlags"/>) that the CPU sets when it
/// caches decoded instructions from that page, and a generation counter per page (<see cref="CodeGenerations"/>)
/// that every writer bumps when it writes a flagged page, so decoded code is never stale after a store or a DMA.
/// </remarks>
public sealed unsafe class GuestRam : IDisposable
{
    /// <summary>log2 of the page size used for code tracking.</summary>
    public const int PageShift = 12;

    /// <summary>The page size used for code tracking.</summary>
    public const ulong PageSize = 1UL << PageShift;

    private readonly HostMemory _bytes;
    private readonly HostMemory _codeFlags;
    private readonly HostMemory _codeGenerations;

    /// <summary>Maps <paramref name="size"/> bytes of zeroed guest RAM at guest physical address <paramref name="baseAddress"/>.</summary>
    public GuestRam(ulong baseAddress, ulong size)
    {
        if (size == 0 || (size & (PageSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "RAM size must be a non-zero multiple of 4 KiB.");
        }

        if ((baseAddress & (PageSize - 1)) != 0 || baseAddress + size < baseAddress)
        {
            throw new ArgumentOutOfRangeException(nameof(baseAddress), "RAM base must be page aligned and the region must not wrap.");
        }

        BaseAddress = baseAddress;
        Size = size;
        PageCount = size >> PageShift;
        _bytes = HostMemory.Reserve(size, hugePages: true);
        _codeFlags = HostMemory.Reserve(PageCount);
        _codeGenerations = HostMemory.Reserve(PageCount * sizeof(uint));
    }

    /// <summary>Guest physical address of the first byte.</summary>
    public ulong BaseAddress { get; }

    /// <summary>Length of the region in bytes.</summary>
    public ulong Size { get; }

    /// <summary>Number of 4 KiB pages.</summary>
    public ulong PageCount { get; }

    /// <summary>Host address of the first byte of guest RAM.</summary>
    public byte* Pointer => _bytes.Pointer;

    /// <summary>One byte per page: non-zero when some hart holds decoded instructions from that page.</summary>
    public byte* CodePageFlags => _codeFlags.Pointer;

    /// <summary>One counter per page, bumped whenever a page with a code flag is written.</summary>
    public uint* CodeGenerations => (uint*)_codeGenerations.Pointer;

    /// <summary>True when [<paramref name="address"/>, <paramref name="address"/> + <paramref name="length"/>) lies wholly in RAM.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(ulong address, ulong length)
    {
        ulong offset = address - BaseAddress;
        return offset < Size && length <= Size - offset;
    }

    /// <summary>Host pointer for a guest physical address, or null when the range is not wholly in RAM.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* TryGetPointer(ulong address, ulong length)
    {
        return Contains(address, length) ? _bytes.Pointer + (address - BaseAddress) : null;
    }

    /// <summary>
    /// Copies guest RAM into <paramref name="destination"/> (device DMA, loaders). False, and nothing copied,
    /// when the range is not wholly in RAM.
    /// </summary>
    public bool TryRead(ulong address, Span<byte> destination)
    {
        byte* source = TryGetPointer(address, (ulong)destination.Length);
        if (source == null)
        {
            return false;
        }

        new ReadOnlySpan<byte>(source, destination.Length).CopyTo(destination);
        return true;
    }

    /// <summary>
    /// Copies <paramref name="source"/> into guest RAM (device DMA, loaders) and invalidates decoded code on the
    /// pages written. False, and nothing written, when the range is not wholly in RAM.
    /// </summary>
    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        byte* destination = TryGetPointer(address, (ulong)source.Length);
        if (destination == null)
        {
            return false;
        }

        source.CopyTo(new Span<byte>(destination, source.Length));
        NotifyWritten(address, (ulong)source.Length);
        return true;
    }

    /// <summary>
    /// Tells the code cache that bytes in [<paramref name="address"/>, +<paramref name="length"/>) changed behind the
    /// CPU's back (DMA through a pointer, a loader). The range must be in RAM.
    /// </summary>
    public void NotifyWritten(ulong address, ulong length)
    {
        if (length == 0)
        {
            return;
        }

        ulong first = (address - BaseAddress) >> PageShift;
        ulong last = (address - BaseAddress + length - 1) >> PageShift;
        for (ulong page = first; page <= last && page < PageCount; page++)
        {
            InvalidateCodePage(page);
        }
    }

    /// <summary>Marks a page's decoded code stale when the page holds any. Safe to call from any thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InvalidateCodePage(ulong pageIndex)
    {
        if (CodePageFlags[pageIndex] != 0)
        {
            InvalidateFlaggedPage(pageIndex);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void InvalidateFlaggedPage(ulong pageIndex)
    {
        CodePageFlags[pageIndex] = 0;
        Interlocked.Increment(ref CodeGenerations[pageIndex]);
    }

    /// <summary>
    /// Returns pages in [<paramref name="address"/>, +<paramref name="length"/>) to the host (balloon, free page
    /// reporting, reset); they read as zero afterwards, and decoded code from them is dropped. Partial pages at either
    /// end are zeroed in place. Discarding the whole RAM (a reset) also advises it for huge pages again.
    /// </summary>
    public void Discard(ulong address, ulong length)
    {
        if (!Contains(address, length) || length == 0)
        {
            return;
        }

        _bytes.Discard(address - BaseAddress, length);
        NotifyWritten(address, length);
        if (address == BaseAddress && length == Size)
        {
            _bytes.AdviseHugePages();
        }
    }

    /// <summary>
    /// Discards whole 4 KiB pages by index (a balloon's inflate list): sorts <paramref name="pageIndices"/> in place,
    /// skips indices outside RAM and discards each run of consecutive pages with one call. Returns the number of
    /// distinct pages discarded.
    /// </summary>
    public int DiscardPages(Span<ulong> pageIndices)
    {
        pageIndices.Sort();
        int discarded = 0;
        int i = 0;
        while (i < pageIndices.Length)
        {
            ulong first = pageIndices[i];
            if (first >= PageCount)
            {
                break; // sorted: every later index is outside too
            }

            ulong last = first;
            i++;
            while (i < pageIndices.Length && pageIndices[i] <= last + 1 && pageIndices[i] < PageCount)
            {
                last = pageIndices[i];
                i++;
            }

            Discard(BaseAddress + (first << PageShift), (last - first + 1) << PageShift);
            discarded += (int)(last - first + 1);
        }

        return discarded;
    }

    /// <summary>
    /// Bytes of guest RAM the host holds in memory now (<c>mincore</c> over the mapping; a page the guest only read
    /// counts too, see <see cref="HostMemory.CountResident"/>), or -1 where the host cannot tell. Thread-safe.
    /// </summary>
    public long ResidentBytes => _bytes.CountResident(0, Size);

    /// <summary>Host bytes of the per-page code bookkeeping (code flags and generations) resident now.</summary>
    public long BookkeepingResidentBytes
    {
        get
        {
            long flags = _codeFlags.CountResident(0, PageCount);
            long generations = _codeGenerations.CountResident(0, PageCount * sizeof(uint));
            return flags < 0 || generations < 0 ? 0 : flags + generations;
        }
    }

    /// <summary>Unmaps the RAM. No hart or device may touch it afterwards.</summary>
    public void Dispose()
    {
        _bytes.Dispose();
        _codeFlags.Dispose();
        _codeGenerations.Dispose();
    }
}
