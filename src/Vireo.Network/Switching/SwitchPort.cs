namespace Vireo.Network.Switching;

/// <summary>
/// One port of a <see cref="VirtualSwitch"/>: frames sent with <see cref="Send"/> enter the switch, frames the switch
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
    public void Send(ReadOnlySpan<byte> frame) => _owner.Forward(this, frame);

    internal void Deliver(ReadOnlySpan<byte> frame)
    {
        if (_sink.Receive(frame))
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
