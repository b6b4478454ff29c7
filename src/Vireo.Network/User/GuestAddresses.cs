using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>The fixed addressing of the user-mode network, as QEMU's slirp uses it.</summary>
internal static class GuestAddresses
{
    public const uint Network = 0x0A000200;
    public const uint Mask = 0xFFFFFF00;
    public const uint Gateway = 0x0A000202;
    public const uint Dns = 0x0A000203;
    public const uint Guest = 0x0A00020F;
    public const uint Broadcast = 0x0A0002FF;
    public const uint LimitedBroadcast = 0xFFFFFFFF;
    public const uint HostLoopback = 0x7F000001;

    /// <summary>The MAC every virtual host (gateway, DNS) answers with.</summary>
    public static readonly MacAddress GatewayMac = new(0x5255_0A00_0202UL);

    public static bool InNetwork(uint address) => (address & Mask) == Network;
}
