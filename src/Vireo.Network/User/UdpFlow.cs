using System.Net;
using System.Net.Sockets;

namespace Vireo.Network.User;

/// <summary>
/// A NAT'd UDP flow. Outbound flows own a connected host socket; flows created by a UDP port forward share the
/// forward's listening socket and send to the host peer that started them.
/// </summary>
internal sealed class UdpFlow
{
    public UdpFlow(FlowKey key, Socket socket, bool ownsSocket, IPEndPoint target, long now)
    {
        Key = key;
        Socket = socket;
        OwnsSocket = ownsSocket;
        Target = target;
        LastActivity = now;
    }

    public FlowKey Key { get; }

    public Socket Socket { get; }

    public bool OwnsSocket { get; }

    public IPEndPoint Target { get; }

    public long LastActivity { get; set; }

    public bool Closed { get; set; }

    /// <summary>Receive buffer of an owned socket (one read in flight at a time).</summary>
    public byte[] Buffer { get; } = new byte[65536];
}
