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

    internal void RxFrame() => Interlocked.Increment(ref _rxFrames);

    internal void RxDrop() => Interlocked.Increment(ref _rxDropped);

    internal void RxBig() => Interlocked.Increment(ref _rxTooBig);

    internal void TxFrame() => Interlocked.Increment(ref _txFrames);

    internal void TxBad() => Interlocked.Increment(ref _txMalformed);

    internal void AddTxSegments(int count) => Interlocked.Add(ref _txSegments, count);
}
