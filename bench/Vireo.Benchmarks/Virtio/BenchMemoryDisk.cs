using Vireo.Storage;

namespace Vireo.Benchmarks.Virtio;

/// <summary>An in-memory disk, so the benchmark measures the virtio path and not a file system.</summary>
internal sealed class BenchMemoryDisk(int length) : IBlockDevice
{
    private readonly byte[] _bytes = new byte[length];

    public ulong Length => (ulong)_bytes.Length;

    public bool IsReadOnly => false;

    public void Read(ulong offset, Span<byte> destination) => _bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);

    public void Write(ulong offset, ReadOnlySpan<byte> source) => source.CopyTo(_bytes.AsSpan((int)offset));

    public void Flush()
    {
    }

    public void Discard(ulong offset, ulong length) => _bytes.AsSpan((int)offset, (int)length).Clear();

    public void WriteZeroes(ulong offset, ulong length) => _bytes.AsSpan((int)offset, (int)length).Clear();

    public void Dispose()
    {
    }
}
