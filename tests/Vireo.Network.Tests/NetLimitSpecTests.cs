using Vireo.Core.Throttling;

namespace Vireo.Network.Tests;

/// <summary>The rate-limit keys of <c>--net</c>.</summary>
public sealed class NetLimitSpecTests
{
    [Fact]
    public void Bps_and_pps_limit_both_ways_and_the_one_way_keys_override_them()
    {
        NetLimitOptions limits = NetworkSpec.Parse("user,bps=1250000,pps=1000,rxbps=2M,burst=1M").Limits;
        Assert.Equal(1_250_000, limits.Transmit!.Bandwidth!.RatePerSecond, 1.0);
        Assert.Equal(2 << 20, limits.Receive!.Bandwidth!.RatePerSecond, 1.0);
        Assert.Equal(1000, limits.Transmit.Operations!.RatePerSecond, 0.01);
        Assert.Equal(1000, limits.Receive.Operations!.RatePerSecond, 0.01);
        Assert.Equal(1L << 20, limits.Receive.Bandwidth.OneTimeBurst);
    }

    [Fact]
    public void Limits_apply_to_every_back_end_and_default_to_none()
    {
        Assert.Same(NetLimitOptions.None, NetworkSpec.Parse("user").Limits);
        NetworkSpec spec = NetworkSpec.Parse("switch:/tmp/sw.sock,txpps=100");
        Assert.Null(spec.Limits.Receive);
        Assert.Equal(100, spec.Limits.Transmit!.Operations!.RatePerSecond, 0.01);
    }

    [Theory]
    [InlineData("user,bps=lots", "bps= must be a positive number")]
    [InlineData("user,burst=1M", "burst= needs a bandwidth limit")]
    [InlineData("user,rate=5", "unknown option 'rate'")]
    public void Bad_limits_are_one_line_errors(string text, string message)
    {
        var error = Assert.Throws<NetworkOptionsException>(() => NetworkSpec.Parse(text));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
