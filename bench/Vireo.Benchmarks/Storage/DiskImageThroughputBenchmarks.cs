using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Vireo.Storage;

namespace Vireo.Benchmarks.Storage;

/// <summary>
/// Throughput of the disk image back-ends as the virtio-blk device drives them: 32 MiB of 4 KiB or 64 KiB requests,
/// sequential or random, over raw and qcow2 (64 KiB clusters) images in the host page cache. Read and Overwrite run
/// on a fully allocated image; AllocatingWrite writes a fresh image (qcow2 cluster allocation including its batched refcount fsyncs; the
/// final flush on close is not timed). Each "op" is 64 KiB of data whatever the request size, so MB/s = 65536 / mean.
/// Run: <c>dotnet run -c Release --project bench/Vireo.Benchmarks -- --filter '*DiskImageThroughput*'</c>.
/// </summary>
[Config(typeof(InProcessMonitoringConfig))]
public class DiskImageThroughputBenchmarks
{
    private const int BytesPerInvoke = 32 << 20;
    private const ulong DiskSize = 128UL << 20;

    private string _directory = string.Empty;
    private IBlockDevice? _device;
    private ulong[] _offsets = [];
    private byte[] _buffer = [];
    private int _fresh;
    private IBlockDevice? _freshDevice;

    [Params(DiskFormat.Raw, DiskFormat.Qcow2)]
    public DiskFormat Format { get; set; }

    [Params(4096, 65536)]
    public int BlockSize { get; set; }

    [Params(false, true)]
    public bool Random { get; set; }

    /// <summary>In-process (no per-benchmark project build on a loaded machine), few iterations: I/O is the cost.</summary>
    public sealed class InProcessMonitoringConfig : ManualConfig
    {
        public InProcessMonitoringConfig()
        {
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(5)
                .WithToolchain(InProcessEmitToolchain.Instance));
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("vireo-bench-disk-").FullName;
        _buffer = new byte[BlockSize];
        new Random(1).NextBytes(_buffer);
        int count = BytesPerInvoke / BlockSize;
        _offsets = new ulong[count];
        var random = new Random(2);
        for (int i = 0; i < count; i++)
        {
            _offsets[i] = Random
                ? (ulong)random.NextInt64(0, (long)(DiskSize / (ulong)BlockSize)) * (ulong)BlockSize
                : (ulong)i * (ulong)BlockSize;
        }

        string path = Path.Combine(_directory, "filled");
        DiskImage.Create(path, Format, DiskSize);
        _device = DiskImage.Open(path, Format);
        byte[] chunk = new byte[1 << 20];
        new Random(3).NextBytes(chunk);
        for (ulong offset = 0; offset < DiskSize; offset += (ulong)chunk.Length)
        {
            _device.Write(offset, chunk);
        }

        _device.Flush();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _device?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = BytesPerInvoke / 65536)]
    public void Read()
    {
        foreach (ulong offset in _offsets)
        {
            _device!.Read(offset, _buffer);
        }
    }

    [Benchmark(OperationsPerInvoke = BytesPerInvoke / 65536)]
    public void Overwrite()
    {
        foreach (ulong offset in _offsets)
        {
            _device!.Write(offset, _buffer);
        }
    }

    [IterationSetup(Target = nameof(AllocatingWrite))]
    public void CreateFreshImage()
    {
        string path = Path.Combine(_directory, $"fresh{_fresh++}");
        DiskImage.Create(path, Format, DiskSize);
        _freshDevice = DiskImage.Open(path, Format);
    }

    [IterationCleanup(Target = nameof(AllocatingWrite))]
    public void DeleteFreshImage()
    {
        // Closing flushes (fsync): outside the measurement, which is about the write path itself.
        string path = Path.Combine(_directory, $"fresh{_fresh - 1}");
        _freshDevice?.Dispose();
        _freshDevice = null;
        File.Delete(path);
    }

    [Benchmark(OperationsPerInvoke = BytesPerInvoke / 65536)]
    public void AllocatingWrite()
    {
        foreach (ulong offset in _offsets)
        {
            _freshDevice!.Write(offset, _buffer);
        }
    }
}
