using Vireo.Core.Throttling;

namespace Vireo.Devices.Virtio.Block;

/// <summary>The traffic counters of one virtio-blk device (completed requests), updated with interlocked adds.</summary>
internal sealed class VirtioBlockCounters
{
    private long _readBytes;
    private long _readOps;
    private long _writeBytes;
    private long _writeOps;
    private long _flushOps;

    public void Read(ulong bytes)
    {
        Interlocked.Add(ref _readBytes, (long)bytes);
        Interlocked.Increment(ref _readOps);
    }

    public void Write(ulong bytes)
    {
        Interlocked.Add(ref _writeBytes, (long)bytes);
        Interlocked.Increment(ref _writeOps);
    }

    public void Flush() => Interlocked.Increment(ref _flushOps);

    public VirtioBlockStats Snapshot(int inFlight, IoThrottleStats throttle) => new(
        Volatile.Read(ref _readBytes), Volatile.Read(ref _readOps), Volatile.Read(ref _writeBytes),
        Volatile.Read(ref _writeOps), Volatile.Read(ref _flushOps), inFlight, throttle);
}
