using Vireo.Core.Throttling;

namespace Vireo.Devices.Virtio.Block;

/// <summary>A snapshot of one disk's I/O (for VM stats, metrics and <c>vireo top</c>).</summary>
/// <param name="ReadBytes">Bytes read by completed requests.</param>
/// <param name="ReadOperations">Completed read requests.</param>
/// <param name="WriteBytes">Bytes written by completed requests.</param>
/// <param name="WriteOperations">Completed write requests.</param>
/// <param name="FlushOperations">Completed flushes.</param>
/// <param name="QueueDepth">Requests taken from the ring and not completed yet (running or held by the limiter).</param>
/// <param name="Throttle">The limiter's counters (all zero for a disk without limits or budget).</param>
public readonly record struct VirtioBlockStats(
    long ReadBytes, long ReadOperations, long WriteBytes, long WriteOperations, long FlushOperations, int QueueDepth,
    IoThrottleStats Throttle);
