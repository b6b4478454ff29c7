namespace Vireo.Storage;

/// <summary>
/// One buffer of a scattered transfer: <see cref="Length"/> bytes at <see cref="Address"/> in unmanaged memory (guest
/// RAM) that stays valid and unmoved for the whole call.
/// </summary>
/// <param name="Address">Start of the buffer.</param>
/// <param name="Length">Bytes in the buffer.</param>
public readonly record struct IoSegment(nint Address, int Length)
{
    /// <summary>The buffer as a span.</summary>
    public unsafe Span<byte> AsSpan() => new((void*)Address, Length);

    /// <summary>Bytes in all of <paramref name="segments"/>.</summary>
    public static ulong TotalLength(ReadOnlySpan<IoSegment> segments)
    {
        ulong total = 0;
        foreach (IoSegment segment in segments)
        {
            total += (ulong)segment.Length;
        }

        return total;
    }
}
