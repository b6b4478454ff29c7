using Vireo.Network.Packets;
using Vireo.Network.User;

namespace Vireo.Network.Tests;

/// <summary>A user-mode NAT back-end with a scripted guest on the other side and a hand-moved clock.</summary>
internal sealed class UserNetHarness : IDisposable
{
    public UserNetHarness(UserNetworkOptions? options = null)
    {
        Backend = new UserNetworkBackend(options ?? new UserNetworkOptions { DnsServers = [] }, Clock);
        Backend.Attach(Guest);
    }

    public ManualTimeProvider Clock { get; } = new();

    public FrameCollector Guest { get; } = new();

    public UserNetworkBackend Backend { get; }

    public void Send(byte[] frame) => Backend.Send(frame);

    /// <summary>Moves the clock and lets the loop run its timers.</summary>
    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Backend.Wake();
        Assert.True(Backend.WaitIdle(TimeSpan.FromSeconds(5)));
        Thread.Sleep(30);
        Assert.True(Backend.WaitIdle(TimeSpan.FromSeconds(5)));
    }

    public byte[]? NextTcp(Func<TcpHeader, byte[], bool>? match = null, int timeoutMs = 5000) =>
        Guest.Next(f => GuestPackets.TryTcp(f, out TcpHeader t, out byte[] d) && (match is null || match(t, d)),
            timeoutMs);

    public (TcpHeader Header, byte[] Data) ExpectTcp(Func<TcpHeader, byte[], bool>? match = null,
        int timeoutMs = 5000)
    {
        byte[]? frame = NextTcp(match, timeoutMs);
        Assert.NotNull(frame);
        Assert.True(GuestPackets.TryTcp(frame, out TcpHeader tcp, out byte[] data));
        return (tcp, data);
    }

    public void Dispose() => Backend.Dispose();
}
