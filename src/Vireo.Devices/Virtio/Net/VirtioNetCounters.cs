namespace Vireo.Devices.Virtio.Net;

/// <summary>Traffic and drop counters of a virtio-net device, readable from any thread.</summary>
public sealed class VirtioNetCounters
{
    private long _rxFrames;
    private long _rxDropped;
    private long _rxTooBig;
    private long _txFrames;
    private long _txMalformed;
    private long _txSegments;
    private long _txBytes;
    private long _rxBytes;
    private long _rxThrottleDropped;
    private long _txThrottledTicks;
    private long _rxThrottledTicks;

    /// <summary>Frames delivered into guest receive buffers.</summary>
    public long RxFrames => Volatile.Read(ref _rxFrames);

    /// <summary>Frames from the back-end dropped because the driver was not ready or the receive backlog was full.</summary>
    public long RxDropped => Volatile.Read(ref _rxDropped);

    /// <summary>Frames too large for the receive buffers the driver posted (or for any Ethernet frame).</summary>
    public long RxTooBig => Volatile.Read(ref _rxTooBig);

    /// <summary>Frames the guest transmitted and the back-end was given.</summary>
    public long TxFrames => Volatile.Read(ref _txFrames);

    /// <summary>Transmit chains dropped: too short, too long, or asking for offloads that were not negotiated.</summary>
    public long TxMalformed => Volatile.Read(ref _txMalformed);

    /// <summary>Segments cut from the guest's TSO super-frames (each one reached the back-end as a frame).</summary>
    public long TxSegments => Volatile.Read(ref _txSegments);

    /// <summary>Bytes of the frames the guest transmitted (Ethernet frames, before segmentation).</summary>
    public long TxBytes => Volatile.Read(ref _txBytes);

    /// <summary>Bytes of the frames delivered to the guest.</summary>
    public long RxBytes => Volatile.Read(ref _rxBytes);

    /// <summary>Frames refused because the limited receive direction had <see cref="VirtioNetDevice.RxThrottledBacklogBytes"/> waiting.</summary>
    public long RxThrottleDropped => Volatile.Read(ref _rxThrottleDropped);

    /// <summary>Time transmit chains waited for tokens, summed (100 ns ticks).</summary>
    public TimeSpan TxThrottledTime => TimeSpan.FromTicks(Volatile.Read(ref _txThrottledTicks));

    /// <summary>Time received frames waited for tokens, summed (100 ns ticks).</summary>
    public TimeSpan RxThrottledTime => TimeSpan.FromTicks(Volatile.Read(ref _rxThrottledTicks));

    /// <summary>A snapshot of every counter.</summary>
    internal VirtioNetStats Snapshot(int rxWaiting) => new(
        TxBytes, TxFrames, RxBytes, RxFrames, TxThrottledTime, RxThrottledTime, RxDropped, RxThrottleDropped, rxWaiting);

    internal void AddTxBytes(long bytes) => Interlocked.Add(ref _txBytes, bytes);

    internal void AddRxBytes(long bytes) => Interlocked.Add(ref _rxBytes, bytes);

    internal void RxThrottleDrop() => Interlocked.Increment(ref _rxThrottleDropped);

    internal void AddTxThrottled(long ticks, long frequency) =>
        Interlocked.Add(ref _txThrottledTicks, (long)(ticks * ((double)TimeSpan.TicksPerSecond / frequency)));

    internal void AddRxThrottled(long ticks, long frequency) =>
        Interlocked.Add(ref _rxThrottledTicks, (long)(ticks * ((double)TimeSpan.TicksPerSecond / frequency)));

    internal void RxFrame() => Interlocked.Increment(ref _rxFrames);

    internal void RxDrop() => Interlocked.Increment(ref _rxDropped);

    internal void RxBig() => Interlocked.Increment(ref _rxTooBig);

    internal void TxFrame() => Interlocked.Increment(ref _txFrames);

    internal void TxBad() => Interlocked.Increment(ref _txMalformed);

    internal void AddTxSegments(int count) => Interlocked.Add(ref _txSegments, count);
}
