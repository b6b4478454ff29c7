namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// A VM's virtio-vsock settings as plain data (a VM specification can embed it). <paramref name="UnixPath"/> is the
/// Firecracker-style hybrid socket: host-initiated connections come in on it (<c>CONNECT port\n</c>), and guest
/// connections to host port P go to <c>UnixPath_P</c>; null keeps the device to the in-process API.
/// </summary>
/// <param name="GuestCid">The guest's context ID (3 or more; 0-2 are reserved, and -1U is VMADDR_CID_ANY).</param>
/// <param name="UnixPath">Hybrid vsock Unix socket path, or null.</param>
public sealed record VsockOptions(ulong GuestCid = VsockOptions.DefaultGuestCid, string? UnixPath = null)
{
    /// <summary>The first guest CID (0 hypervisor, 1 local, 2 host are reserved).</summary>
    public const ulong DefaultGuestCid = 3;

    /// <summary>Returns a one-line problem, or null when the options are usable.</summary>
    public string? Validate()
    {
        if (GuestCid < 3 || GuestCid >= 0xffff_ffff)
        {
            return $"vsock cid {GuestCid} is reserved (use 3 to 4294967294)";
        }

        if (UnixPath is { Length: 0 })
        {
            return "vsock path is empty";
        }

        return null;
    }
}
