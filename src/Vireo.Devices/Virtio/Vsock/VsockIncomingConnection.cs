namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// A connection the guest asked for (REQUEST to a host port), handed to <see cref="VirtioVsockDevice.GuestConnect"/>.
/// The handler accepts (the guest gets RESPONSE) or refuses (RST) from any thread, at once or later.
/// </summary>
public sealed class VsockIncomingConnection
{
    private readonly VirtioVsockDevice _device;
    private readonly VsockConnection _connection;

    internal VsockIncomingConnection(VirtioVsockDevice device, VsockConnection connection)
    {
        _device = device;
        _connection = connection;
    }

    /// <summary>The host port the guest connected to.</summary>
    public uint HostPort => _connection.HostPort;

    /// <summary>The guest's source port.</summary>
    public uint GuestPort => _connection.GuestPort;

    /// <summary>Accepts: returns the host end, or null when the guest gave up (reset) meanwhile.</summary>
    public VsockStream? Accept() => _device.AcceptIncoming(_connection);

    /// <summary>Refuses: the guest sees connection refused.</summary>
    public void Refuse() => _device.RefuseIncoming(_connection);
}
