namespace Vireo.Network;

/// <summary>Transport of a host port forward.</summary>
public enum ForwardProtocol
{
    Tcp,
    Udp,
}
