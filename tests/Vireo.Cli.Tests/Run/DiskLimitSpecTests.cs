using Vireo.Cli.Run;
using Vireo.Core.Throttling;

namespace Vireo.Cli.Tests.Run;

/// <summary>The rate-limit keys of <c>--disk</c>.</summary>
public sealed class DiskLimitSpecTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void A_disk_without_limit_keys_has_none()
    {
        Assert.Same(DiskLimitOptions.None, DiskSpec.Parse(_file).Limits);
        Assert.Equal(DiskSpec.Parse(_file), new DiskSpec(_file, null, null));
    }

    [Fact]
    public void Total_read_and_write_limits_burst_and_weight_parse()
    {
        DiskLimitOptions limits = DiskSpec.Parse($"{_file},bps=20M,iops=500,rbps=10M,wiops=100,burst=50M,weight=300").Limits;
        Assert.Equal(20 << 20, limits.Total!.Bandwidth!.RatePerSecond, 1.0);
        Assert.Equal(50L << 20, limits.Total.Bandwidth.OneTimeBurst);
        Assert.Equal(500, limits.Total.Operations!.RatePerSecond, 0.01);
        Assert.Equal(10 << 20, limits.Read!.Bandwidth!.RatePerSecond, 1.0);
        Assert.Null(limits.Read.Operations);
        Assert.Null(limits.Write!.Bandwidth);
        Assert.Equal(100, limits.Write.Operations!.RatePerSecond, 0.01);
        Assert.Equal(300, limits.Weight);
    }

    [Theory]
    [InlineData("bps=fast", "bps= must be a positive number")]
    [InlineData("iops=0", "iops= must be a positive number")]
    [InlineData("weight=0", "weight must be 1 to 10000")]
    [InlineData("weight=10001", "weight must be 1 to 10000")]
    [InlineData("burst=5M", "burst= needs a bandwidth limit")]
    [InlineData("speed=3", "unknown option 'speed=3'")]
    public void Bad_limits_are_one_line_errors(string option, string message)
    {
        var error = Assert.Throws<UserErrorException>(() => DiskSpec.Parse($"{_file},{option}"));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
