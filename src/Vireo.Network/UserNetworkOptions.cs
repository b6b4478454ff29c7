using System.Net;

namespace Vireo.Network;

/// <summary>Settings of the user-mode NAT back-end.</summary>
public sealed class UserNetworkOptions
{
    public IReadOnlyList<HostForward> HostForwards { get; init; } = [];

    /// <summary>Refuse every connection or datagram the guest starts toward the outside (forwarded ports still work).</summary>
    public bool Restrict { get; init; }

    /// <summary>Resolvers DNS queries to 10.0.2.3 are forwarded to; null means the nameservers in <see cref="ResolvConfPath"/>.</summary>
    public IReadOnlyList<IPEndPoint>? DnsServers { get; init; }

    public string ResolvConfPath { get; init; } = "/etc/resolv.conf";

    public int MaxTcpConnections { get; init; } = 1024;

    public int MaxUdpFlows { get; init; } = 1024;

    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How long a TCP connection toward the host may take to establish before the guest gets a RST.</summary>
    public TimeSpan TcpConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan TimeWait { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How long the fragments of one IPv4 datagram may take to all arrive before they are dropped.</summary>
    public TimeSpan FragmentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one resolver gets to answer before the next is tried (or SERVFAIL is sent).</summary>
    public TimeSpan DnsTimeout { get; init; } = TimeSpan.FromSeconds(3);
}
