namespace Vireo.Network.Switching;

/// <summary>A learned MAC address: the port it was last seen on and when (timestamp of the switch's clock).</summary>
internal sealed class MacTableEntry(SwitchPort port, long lastSeen)
{
    public SwitchPort Port { get; set; } = port;

    public long LastSeen { get; set; } = lastSeen;
}
