using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Vireo.Core.Memory;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Block;

namespace Vireo.Benchmarks.Virtio;

/// <summary>
/// virtio-blk request throughput through the real transport, queue and worker, with an in-memory disk: the guest side
/// publishes a batch of requests (header, data, status), notifies once and polls the used ring.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, warmupCount: 3, iterationCount: 10)]
public class VirtioBlockBenchmarks
{
    private const int Batch = 32;
    private const ulong RamBase = 0x8000_0000;
    private const ulong Desc = RamBase;
    private const ulong Avail = RamBase + 0x1000;
    private const ulong Used = RamBase + 0x2000;
    private const ulong Headers = RamBase + 0x3000;
    private const ulong Statuses = RamBase + 0x4000;
    private const ulong Data = RamBase + 0x10_0000;
    private const ushort QueueSize = 256;

    private GuestRam _ram = null!;
    private VirtioMmioTransport _transport = null!;
    private ushort _availIdx;

    /// <summary>Bytes per request.</summary>
    [Params(4096, 65536)]
    public int RequestSize { get; set; }

    /// <summary>0 = read (VIRTIO_BLK_T_IN), 1 = write (VIRTIO_BLK_T_OUT).</summary>
    [Params(0u, 1u)]
    public uint Type { get; set; }

    [GlobalSetup]
    public unsafe void Setup()
    {
        _ram = new GuestRam(RamBase, 16 << 20);
        var device = new VirtioBlockDevice(new BenchMemoryDisk(64 << 20), readOnly: false, "bench");
        _transport = new VirtioMmioTransport(device, _ram, new NullInterruptLine());
        Write(VirtioMmioRegister.Status, 1);
        Write(VirtioMmioRegister.Status, 3);
        Write(VirtioMmioRegister.DriverFeaturesSel, 0);
        Write(VirtioMmioRegister.DriverFeatures, (uint)(VirtioFeatures.RingEventIdx | VirtioBlockFeatures.Flush));
        Write(VirtioMmioRegister.DriverFeaturesSel, 1);
        Write(VirtioMmioRegister.DriverFeatures, (uint)(VirtioFeatures.Version1 >> 32));
        Write(VirtioMmioRegister.Status, 11);
        Write(VirtioMmioRegister.QueueSel, 0);
        Write(VirtioMmioRegister.QueueNum, QueueSize);
        Write(VirtioMmioRegister.QueueDescLow, (uint)Desc);
        Write(VirtioMmioRegister.QueueDriverLow, (uint)Avail);
        Write(VirtioMmioRegister.QueueDeviceLow, (uint)Used);
        Write(VirtioMmioRegister.QueueReady, 1);
        Write(VirtioMmioRegister.Status, 15);

        byte* p = _ram.Pointer;
        for (int r = 0; r < Batch; r++)
        {
            ulong header = Headers + (16 * (ulong)r);
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(p + (header - RamBase), 4), Type);
            BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(p + (header - RamBase) + 8, 8), (ulong)(r * RequestSize / 512));
            WriteDescriptor(p, (3 * r) + 0, header, 16, 1, (ushort)((3 * r) + 1));
            WriteDescriptor(p, (3 * r) + 1, Data + ((ulong)r * (ulong)RequestSize), (uint)RequestSize, (ushort)(Type == 0 ? 3 : 1), (ushort)((3 * r) + 2));
            WriteDescriptor(p, (3 * r) + 2, Statuses + (ulong)r, 1, 2, 0);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _transport.Dispose();
        _ram.Dispose();
    }

    /// <summary>One batch of <see cref="Batch"/> requests; results are per request.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public unsafe void Requests()
    {
        byte* p = _ram.Pointer;
        ushort* ring = (ushort*)(p + (Avail - RamBase) + 4);
        for (int r = 0; r < Batch; r++)
        {
            ring[(_availIdx + r) % QueueSize] = (ushort)(3 * r);
        }

        _availIdx += Batch;
        Volatile.Write(ref *(ushort*)(p + (Avail - RamBase) + 2), _availIdx);
        _transport.Write(VirtioMmioRegister.QueueNotify, 4, 0);
        ref ushort usedIdx = ref *(ushort*)(p + (Used - RamBase) + 2);
        var spin = default(SpinWait);
        while (Volatile.Read(ref usedIdx) != _availIdx)
        {
            spin.SpinOnce();
        }
    }

    private static unsafe void WriteDescriptor(byte* ram, int index, ulong address, uint length, ushort flags, ushort next)
    {
        byte* d = ram + (Desc - RamBase) + (16 * index);
        *(ulong*)d = address;
        *(uint*)(d + 8) = length;
        *(ushort*)(d + 12) = flags;
        *(ushort*)(d + 14) = next;
    }

    private void Write(int register, uint value) => _transport.Write((ulong)register, 4, value);
}
