namespace Vireo.Network.Switching;

/// <summary>Per-port traffic counters of a <see cref="VirtualSwitch"/>, readable from any thread.</summary>
public sealed class SwitchPortCounters
{
    private long _framesIn;
    private long _framesOut;
    private long _dropped;

    /// <summary>Frames the port's owner sent into the switch.</summary>
    public long FramesIn => Volatile.Read(ref _framesIn);

    /// <summary>Frames the switch delivered to the port's owner.</summary>
    public long FramesOut => Volatile.Read(ref _framesOut);

    /// <summary>Frames dropped at this port: malformed on the way in, or refused (busy) on the way out.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    internal void In() => Interlocked.Increment(ref _framesIn);

    internal void Out() => Interlocked.Increment(ref _framesOut);

    internal void Out(int count) => Interlocked.Add(ref _framesOut, count);

    internal void Drop() => Interlocked.Increment(ref _dropped);

    internal void Drop(int count) => Interlocked.Add(ref _dropped, count);
}
