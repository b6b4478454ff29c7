using Vireo.Network.Switching;
using Vireo.Network.User;

namespace Vireo.Network.Tests;

public sealed class NetworkBackendFactoryTests
{
    [Fact]
    public void User_spec_creates_the_nat_with_its_options()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using INetworkBackend backend = NetworkBackendFactory.Create(
            NetworkSpec.Parse($"user,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22"));
        var user = Assert.IsType<UserNetworkBackend>(backend);
        Assert.True(user.Options.Restrict);
        Assert.Single(user.ForwardEndPoints);
        Assert.Equal(port, user.ForwardEndPoints[0].Port);
    }

    [Fact]
    public void Switch_spec_connects_to_a_served_switch_and_fails_clearly_without_one()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vireo-f-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        Assert.Throws<NetworkOptionsException>(() => NetworkBackendFactory.Create(NetworkSpec.Parse($"switch:{path}")));
        using var server = new SwitchServer(path, new VirtualSwitch());
        using INetworkBackend backend = NetworkBackendFactory.Create(NetworkSpec.Parse($"switch:{path}"));
        Assert.IsType<SwitchClientBackend>(backend);
    }

    [Fact]
    public void In_process_switch_ports_connect_two_nics()
    {
        var sw = new VirtualSwitch(new ManualTimeProvider());
        using var a = new SwitchPortBackend(sw, "vm-a");
        using var b = new SwitchPortBackend(sw, "vm-b");
        var ra = new FrameCollector();
        var rb = new FrameCollector();
        a.Attach(ra);
        b.Attach(rb);
        byte[] frame = Switching.VirtualSwitchTests.Frame(Vireo.Network.Packets.MacAddress.Broadcast, new Vireo.Network.Packets.MacAddress(0x02_0000_0000_01UL), 1);
        a.Send(frame);
        Assert.Equal(frame, rb.Next(_ => true, 1000));
        Assert.Equal(0, ra.Count);
        Assert.Equal("vm-a", a.Port!.Name);
    }
}
