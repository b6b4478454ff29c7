namespace Vireo.Network.User;

/// <summary>Identifies a TCP connection or UDP flow: the guest's end and the remote end as the guest sees it.</summary>
internal readonly record struct FlowKey(uint GuestIp, ushort GuestPort, uint RemoteIp, ushort RemotePort);
