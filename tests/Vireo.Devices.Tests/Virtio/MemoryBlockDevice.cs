using Vireo.Storage;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>An in-memory disk for the virtio-blk tests, with a read gate and fault injection.</summary>
internal sealed class MemoryBlockDevice(ulong length, bool readOnly = false) : IBlockDevice
{
    private readonly byte[] _bytes = new byte[length];
    private int _flushes;

    public ulong Length => length;

    public bool IsReadOnly => readOnly;

    public byte[] Bytes => _bytes;

    public int Flushes => Volatile.Read(ref _flushes);

    public List<(string Op, ulong Offset, ulong Length)> Ranges { get; } = [];

    /// <summary>When set, a read at <see cref="GatedOffset"/> blocks until the gate opens.</summary>
    public ManualResetEventSlim? ReadGate { get; set; }

    public ulong GatedOffset { get; set; }

    /// <summary>Set once a read reached the gate.</summary>
    public ManualResetEventSlim GatedReadStarted { get; } = new(false);

    /// <summary>When set, every read and write at this offset throws an <see cref="IOException"/>.</summary>
    public ulong? FailingOffset { get; set; }

    public void Read(ulong offset, Span<byte> destination)
    {
        if (offset == GatedOffset && ReadGate != null)
        {
            GatedReadStarted.Set();
            ReadGate.Wait(TimeSpan.FromSeconds(30));
        }

        ThrowIfFailing(offset);
        _bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
    }

    public void Write(ulong offset, ReadOnlySpan<byte> source)
    {
        ThrowIfFailing(offset);
        source.CopyTo(_bytes.AsSpan((int)offset));
    }

    public void Flush() => Interlocked.Increment(ref _flushes);

    public void Discard(ulong offset, ulong length)
    {
        lock (Ranges)
        {
            Ranges.Add(("discard", offset, length));
        }

        _bytes.AsSpan((int)offset, (int)length).Clear();
    }

    public void WriteZeroes(ulong offset, ulong length)
    {
        lock (Ranges)
        {
            Ranges.Add(("zeroes", offset, length));
        }

        _bytes.AsSpan((int)offset, (int)length).Clear();
    }

    public void Dispose() => GatedReadStarted.Dispose();

    private void ThrowIfFailing(ulong offset)
    {
        if (offset == FailingOffset)
        {
            throw new IOException("injected failure");
        }
    }
}
