using System.Runtime.InteropServices;

namespace Vireo.Core.Memory;

/// <summary>
/// A zero-filled anonymous host mapping. Pages are committed by the kernel on first touch, so a large mapping that is
/// mostly untouched costs almost nothing in RSS.
/// </summary>
internal sealed unsafe partial class HostMemory : IDisposable
{
    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MapNoReserve = 0x4000;
    private const int MadvDontNeed = 4;

    private byte* _pointer;
    private readonly ulong _length;

    private HostMemory(byte* pointer, ulong length)
    {
        _pointer = pointer;
        _length = length;
    }

    public byte* Pointer => _pointer;

    public static HostMemory Reserve(ulong length)
    {
        ulong mapped = Math.Max(length, 1);
        nint result = Mmap(0, (nuint)mapped, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        if (result == -1)
        {
            throw new OutOfMemoryException($"Cannot map {length} bytes of host memory (errno {Marshal.GetLastPInvokeError()}).");
        }

        return new HostMemory((byte*)result, mapped);
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
        if (_pointer != null)
        {
            _ = Munmap((nint)_pointer, (nuint)_length);
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
