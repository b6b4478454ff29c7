namespace Vireo.Devices.Virtio.Vsock;

/// <summary>What a vsock device saw go wrong, for logs and tests. Updated by the worker; read from any thread.</summary>
public sealed class VsockCounters
{
    private long _malformed;
    private long _misaddressed;
    private long _violations;
    private long _resetsSent;
    private long _controlDropped;

    /// <summary>Descriptor chains or packets that could not be parsed (too short, wrong direction, bad length): dropped.</summary>
    public long MalformedPackets => Volatile.Read(ref _malformed);

    /// <summary>Packets whose source is not the guest's CID or whose destination is not the host: dropped.</summary>
    public long MisaddressedPackets => Volatile.Read(ref _misaddressed);

    /// <summary>Protocol violations (credit overrun, unknown op or type, wrong state): each reset its connection.</summary>
    public long ProtocolViolations => Volatile.Read(ref _violations);

    /// <summary>RST packets queued to the guest.</summary>
    public long ResetsSent => Volatile.Read(ref _resetsSent);

    /// <summary>Control packets dropped because the guest posted no receive buffers and the queue was full.</summary>
    public long ControlPacketsDropped => Volatile.Read(ref _controlDropped);

    internal void Malformed() => Interlocked.Increment(ref _malformed);

    internal void Misaddressed() => Interlocked.Increment(ref _misaddressed);

    internal void Violation() => Interlocked.Increment(ref _violations);

    internal void ResetSent() => Interlocked.Increment(ref _resetsSent);

    internal void ControlDropped() => Interlocked.Increment(ref _controlDropped);
}
