using System.Net;

namespace Vireo.Network.Tests;

public sealed class NetworkSpecTests
{
    [Fact]
    public void User_with_forwards_restrict_and_mac()
    {
        NetworkSpec spec = NetworkSpec.Parse(
            "user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-10.0.2.15:53,hostfwd=:2222-:22,restrict=on,mac=52:54:00:00:00:01");
        Assert.Equal(NetworkBackendKind.User, spec.Kind);
        Assert.Equal("52:54:00:00:00:01", spec.Mac.ToString());
        Assert.NotNull(spec.User);
        Assert.True(spec.User.Restrict);
        Assert.Equal(
            [
                new HostForward(ForwardProtocol.Tcp, IPAddress.Loopback, 8080, 80),
                new HostForward(ForwardProtocol.Udp, IPAddress.Loopback, 5353, 53),
                new HostForward(ForwardProtocol.Tcp, IPAddress.Loopback, 2222, 22),
            ],
            spec.User.HostForwards);
        Assert.Equal(IPAddress.Any, NetworkSpec.ParseHostForward("tcp:0.0.0.0:80-:80").HostAddress);
    }

    [Fact]
    public void Switch_and_tap()
    {
        NetworkSpec sw = NetworkSpec.Parse("switch:/tmp/sw.sock");
        Assert.Equal(NetworkBackendKind.Switch, sw.Kind);
        Assert.Equal("/tmp/sw.sock", sw.Target);
        Assert.Null(sw.User);
        NetworkSpec tap = NetworkSpec.Parse("tap:tap0,mac=02:00:00:00:00:02");
        Assert.Equal(NetworkBackendKind.Tap, tap.Kind);
        Assert.Equal("tap0", tap.Target);
    }

    [Theory]
    [InlineData("bridge", "unknown back-end")]
    [InlineData("user,hostfwd=tcp:127.0.0.1:8080", "expected")]
    [InlineData("user,hostfwd=tcp:127.0.0.1:99999-:80", "not a port")]
    [InlineData("user,hostfwd=tcp:localhost:80-:80", "not an IPv4")]
    [InlineData("user,hostfwd=tcp::80-10.0.2.16:80", "guest address")]
    [InlineData("user,hostfwd=tcp::0-:80", "1 to 65535")]
    [InlineData("user,hostfwd=tcp::80-:80,hostfwd=tcp::80-:81", "forwarded twice")]
    [InlineData("user,restrict=maybe", "restrict")]
    [InlineData("user,mac=01:00:00:00:00:01", "unicast")]
    [InlineData("user,speed=fast", "unknown option")]
    [InlineData("user,restrict", "name=value")]
    [InlineData("switch:", "required")]
    [InlineData("tap:averyveryverylongname", "1 to 15")]
    [InlineData("switch:/x,restrict=on", "unknown option")]
    public void Bad_specs_give_one_line_errors(string text, string expected)
    {
        var error = Assert.Throws<NetworkOptionsException>(() => NetworkSpec.Parse(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
