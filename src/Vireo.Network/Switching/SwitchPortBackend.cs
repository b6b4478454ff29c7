namespace Vireo.Network.Switching;

/// <summary>Connects a VM's NIC directly to a port of an in-process <see cref="VirtualSwitch"/>.</summary>
public sealed class SwitchPortBackend : INetworkBackend
{
    private readonly VirtualSwitch _switch;
    private readonly string? _name;
    private SwitchPort? _port;

    public SwitchPortBackend(VirtualSwitch virtualSwitch, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(virtualSwitch);
        _switch = virtualSwitch;
        _name = name;
    }

    /// <summary>The switch port, once attached.</summary>
    public SwitchPort? Port => _port;

    public void Attach(IFrameReceiver receiver)
    {
        if (_port is not null)
        {
            throw new InvalidOperationException("The back-end is already attached.");
        }

        _port = _switch.AddPort(receiver, _name);
    }

    public void Send(ReadOnlySpan<byte> frame) => _port?.Send(frame);

    /// <summary>The switch segments large frames for ports that cannot take them, so the NIC never has to.</summary>
    public bool AcceptsLargeTcpSegments => true;

    public bool Send(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        _port?.Send(frame, offload);
        return true;
    }

    public void Dispose() => _port?.Dispose();
}
