namespace Vireo.Devices.Virtio.Net;

/// <summary>A snapshot of one network card's traffic (for VM stats, metrics and <c>vireo top</c>).</summary>
/// <param name="TxBytes">Bytes the guest transmitted.</param>
/// <param name="TxPackets">Frames the guest transmitted (a TSO super-frame counts once).</param>
/// <param name="RxBytes">Bytes delivered to the guest.</param>
/// <param name="RxPackets">Frames delivered to the guest.</param>
/// <param name="TxThrottledTime">Time transmit waited for its limit.</param>
/// <param name="RxThrottledTime">Time receive waited for its limit.</param>
/// <param name="RxDropped">Frames dropped: driver not ready or backlog full.</param>
/// <param name="RxThrottleDropped">Frames refused while the limited receive direction was backed up.</param>
/// <param name="RxQueueDepth">Frames waiting to be delivered to the guest now.</param>
public readonly record struct VirtioNetStats(
    long TxBytes, long TxPackets, long RxBytes, long RxPackets, TimeSpan TxThrottledTime, TimeSpan RxThrottledTime,
    long RxDropped, long RxThrottleDropped, int RxQueueDepth);
