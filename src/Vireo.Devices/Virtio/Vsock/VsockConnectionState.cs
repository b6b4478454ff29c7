namespace Vireo.Devices.Virtio.Vsock;

/// <summary>Where a vsock connection is in its life.</summary>
internal enum VsockConnectionState
{
    /// <summary>Host-initiated: REQUEST queued or sent, waiting for the guest's RESPONSE.</summary>
    Connecting,

    /// <summary>Guest-initiated: REQUEST received, waiting for the host side to accept or refuse.</summary>
    Accepting,

    /// <summary>Data may flow.</summary>
    Connected,

    /// <summary>Removed from the device; its stream sees the end or an error.</summary>
    Closed,
}
