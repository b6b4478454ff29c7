using Vireo.Cli.Run;
using Vireo.Devices.Virtio.Balloon;

namespace Vireo.Cli.Tests.Run;

public sealed class BalloonSpecTests
{
    [Fact]
    public void EmptyTakesTheDefaults()
    {
        Assert.Equal(new BalloonOptions(), BalloonSpec.Parse(null));
        Assert.Equal(new BalloonOptions(), BalloonSpec.Parse(""));
    }

    [Fact]
    public void ParsesEveryOption()
    {
        BalloonOptions options = BalloonSpec.Parse("deflate-on-oom=off,free-page-reporting=off,stats-interval=500ms,size=128M");
        Assert.False(options.DeflateOnOom);
        Assert.False(options.FreePageReporting);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.StatsInterval);
        Assert.Equal(128UL << 20, options.InitialTargetBytes);
        Assert.Equal(TimeSpan.FromSeconds(2), BalloonSpec.Parse("stats-interval=2s").StatsInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), BalloonSpec.Parse("stats-interval=1m").StatsInterval);
        Assert.Equal(TimeSpan.Zero, BalloonSpec.Parse("stats-interval=0").StatsInterval);
    }

    [Theory]
    [InlineData("deflate-on-oom=yes")]
    [InlineData("stats-interval=fast")]
    [InlineData("stats-interval=-1s")]
    [InlineData("stats-interval=2h")]
    [InlineData("size=lots")]
    [InlineData("colour=blue")]
    public void BadInputIsAOneLineUserError(string text)
    {
        var error = Assert.Throws<UserErrorException>(() => BalloonSpec.Parse(text));
        Assert.StartsWith("--balloon", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
