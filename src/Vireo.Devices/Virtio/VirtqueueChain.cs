using Vireo.Core.Memory;

namespace Vireo.Devices.Virtio;

/// <summary>
/// A descriptor chain taken from a virtqueue: its head index and its buffers, readable ones first. Instances are
/// reused from request to request so the hot path never allocates; every buffer was bounds-checked against guest RAM
/// when the chain was built.
/// </summary>
public sealed unsafe class VirtqueueChain
{
    /// <summary>Most buffers one chain may hold (direct plus indirect); longer chains are malformed.</summary>
    public const int MaxSegments = 1024;

    private readonly VirtqueueSegment[] _segments = new VirtqueueSegment[MaxSegments];

    /// <summary>Creates an empty chain buffer for <paramref name="ram"/>.</summary>
    public VirtqueueChain(GuestRam ram)
    {
        Ram = ram;
    }

    /// <summary>The guest RAM the buffers live in.</summary>
    public GuestRam Ram { get; }

    /// <summary>Descriptor index of the chain head, written back into the used ring on completion.</summary>
    public ushort Head { get; private set; }

    /// <summary>Number of buffers.</summary>
    public int Count { get; private set; }

    /// <summary>Number of device-readable buffers; they come before the writable ones.</summary>
    public int ReadableCount { get; private set; }

    /// <summary>Total bytes in device-readable buffers.</summary>
    public ulong ReadableBytes { get; private set; }

    /// <summary>Total bytes in device-writable buffers.</summary>
    public ulong WritableBytes { get; private set; }

    /// <summary>The buffers, readable first.</summary>
    public ReadOnlySpan<VirtqueueSegment> Segments => new(_segments, 0, Count);

    internal void Start(ushort head)
    {
        Head = head;
        Count = 0;
        ReadableCount = 0;
        ReadableBytes = 0;
        WritableBytes = 0;
    }

    /// <summary>Appends a buffer; false when the chain is full. The caller checked bounds and ordering.</summary>
    internal bool TryAdd(ulong address, uint length, bool writable)
    {
        if (Count == MaxSegments)
        {
            return false;
        }

        _segments[Count++] = new VirtqueueSegment(address, length, writable);
        if (writable)
        {
            WritableBytes += length;
        }
        else
        {
            ReadableCount++;
            ReadableBytes += length;
        }

        return true;
    }

    /// <summary>Host view of buffer <paramref name="index"/>, or an empty span when it is not in RAM any more.</summary>
    public Span<byte> GetSpan(int index)
    {
        VirtqueueSegment segment = _segments[index];
        byte* pointer = Ram.TryGetPointer(segment.Address, segment.Length);
        return pointer == null ? default : new Span<byte>(pointer, (int)segment.Length);
    }

    /// <summary>
    /// Copies device-readable bytes starting <paramref name="offset"/> bytes into the readable part into
    /// <paramref name="destination"/>, across buffer boundaries. Returns the number of bytes copied.
    /// </summary>
    public int CopyFromReadable(ulong offset, Span<byte> destination)
    {
        int copied = 0;
        for (int i = 0; i < ReadableCount && copied < destination.Length; i++)
        {
            uint length = _segments[i].Length;
            if (offset >= length)
            {
                offset -= length;
                continue;
            }

            Span<byte> source = GetSpan(i)[(int)offset..];
            int n = Math.Min(source.Length, destination.Length - copied);
            source[..n].CopyTo(destination[copied..]);
            copied += n;
            offset = 0;
        }

        return copied;
    }

    /// <summary>
    /// Copies <paramref name="source"/> into the device-writable buffers starting <paramref name="offset"/> bytes into
    /// the writable part, keeping decoded-code caches coherent. Returns the number of bytes written.
    /// </summary>
    public int CopyToWritable(ulong offset, ReadOnlySpan<byte> source)
    {
        int written = 0;
        for (int i = ReadableCount; i < Count && written < source.Length; i++)
        {
            VirtqueueSegment segment = _segments[i];
            if (offset >= segment.Length)
            {
                offset -= segment.Length;
                continue;
            }

            int n = (int)Math.Min(segment.Length - offset, (ulong)(source.Length - written));
            if (!Ram.TryWrite(segment.Address + offset, source.Slice(written, n)))
            {
                break;
            }

            written += n;
            offset = 0;
        }

        return written;
    }
}
