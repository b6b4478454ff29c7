using System.Buffers;

namespace Vireo.Network.Switching;

/// <summary>
/// One port of a <see cref="VirtualSwitch"/>: frames sent with <see cref="Send(ReadOnlySpan{byte})"/> enter the switch, frames the switch
/// forwards here go to the port's <see cref="IFrameReceiver"/>. Dispose to unplug.
/// </summary>
public sealed class SwitchPort : IDisposable
{
    private readonly VirtualSwitch _owner;
    private readonly IFrameReceiver _sink;

    internal SwitchPort(VirtualSwitch owner, IFrameReceiver sink, string name)
    {
        _owner = owner;
        _sink = sink;
        Name = name;
    }

    public string Name { get; }

    public SwitchPortCounters Counters { get; } = new();

    /// <summary>Feeds one Ethernet frame into the switch. Safe from any thread.</summary>
    public void Send(ReadOnlySpan<byte> frame) => _owner.Forward(this, frame, default);

    /// <summary>
    /// Feeds one frame with offload information into the switch: a TCP/IPv4 frame larger than one segment travels
    /// whole to ports whose receiver accepts large segments and is segmented for the others. Malformed metadata (a
    /// segment size on anything but a well-formed TCP/IPv4 frame) drops the frame and counts it. Safe from any thread.
    /// </summary>
    public void Send(ReadOnlySpan<byte> frame, ReceiveOffload offload) => _owner.Forward(this, frame, offload);

    internal void Deliver(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (offload.TcpSegmentSize == 0 || _sink.AcceptsLargeTcpSegments)
        {
            Count(_sink.Receive(frame, offload));
            return;
        }

        // The receiver cannot cut the frame itself (TAP, a driver without GUEST_TSO4, an old-protocol client): cut
        // it here. Rented, not per port: several senders may deliver to one port at once.
        byte[] scratch = ArrayPool<byte>.Shared.Rent(FrameLink.MaxFrame);
        int taken = TcpSegmenter.Segment(frame, offload.TcpSegmentSize, scratch, _sink, out int refused);
        ArrayPool<byte>.Shared.Return(scratch);
        if (taken < 0)
        {
            Counters.Drop();
            return;
        }

        Counters.Out(taken);
        Counters.Drop(refused);
    }

    private void Count(bool taken)
    {
        if (taken)
        {
            Counters.Out();
        }
        else
        {
            Counters.Drop();
        }
    }

    public void Dispose() => _owner.RemovePort(this);
}
