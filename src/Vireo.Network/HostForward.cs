using System.Net;

namespace Vireo.Network;

/// <summary>
/// A port forward: connections (TCP) or datagrams (UDP) to <see cref="HostAddress"/>:<see cref="HostPort"/> on the
/// host reach the guest's <see cref="GuestPort"/>.
/// </summary>
public sealed record HostForward(ForwardProtocol Protocol, IPAddress HostAddress, int HostPort, int GuestPort);
