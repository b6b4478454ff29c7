using Vireo.Core.Throttling;

namespace Vireo.Core.Tests.Throttling;

/// <summary>Token buckets and <see cref="RateLimiter"/> against a hand-moved clock.</summary>
public sealed class TokenBucketTests
{
    [Fact]
    public void A_per_second_bucket_holds_a_tenth_of_a_second_and_refills_at_its_rate()
    {
        var clock = new ManualClock();
        var limiter = new RateLimiter(new RateLimitOptions(TokenBucketOptions.PerSecond(1000), null), clock);
        Assert.True(limiter.TryTake(100, 1, out _));
        Assert.False(limiter.TryTake(50, 1, out TimeSpan wait));
        Assert.Equal(50, wait.TotalMilliseconds, 1.0);

        clock.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(limiter.TryTake(50, 1, out _));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.TryTake(50, 1, out _));
    }

    [Fact]
    public void A_take_larger_than_the_bucket_goes_when_it_is_full_and_leaves_a_debt()
    {
        var clock = new ManualClock();
        var limiter = new RateLimiter(new RateLimitOptions(TokenBucketOptions.PerSecond(1000), null), clock);
        Assert.True(limiter.TryTake(1000, 1, out _));

        // 900 tokens of debt plus the next 100: one second.
        Assert.False(limiter.TryTake(100, 1, out TimeSpan wait));
        Assert.Equal(1000, wait.TotalMilliseconds, 1.0);
    }

    [Fact]
    public void The_one_time_burst_is_spent_first_and_never_refilled()
    {
        var clock = new ManualClock();
        var limiter = new RateLimiter(new RateLimitOptions(TokenBucketOptions.PerSecond(1000, burst: 5000), null), clock);
        long taken = 0;
        while (limiter.TryTake(100, 1, out _))
        {
            taken += 100;
        }

        Assert.Equal(5100, taken); // the burst and the full bucket, at once
        clock.Advance(TimeSpan.FromSeconds(10));
        taken = 0;
        while (limiter.TryTake(100, 1, out _))
        {
            taken += 100;
        }

        Assert.Equal(100, taken); // ten idle seconds refill the bucket only
    }

    [Fact]
    public void Both_buckets_must_allow_a_take_and_a_refused_take_takes_nothing()
    {
        var clock = new ManualClock();
        var limiter = new RateLimiter(
            new RateLimitOptions(TokenBucketOptions.PerSecond(1_000_000), TokenBucketOptions.PerSecond(100)), clock);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(limiter.TryTake(10, 1, out _));
        }

        Assert.False(limiter.TryTake(10, 1, out TimeSpan wait)); // out of operations, bytes to spare
        Assert.Equal(10, wait.TotalMilliseconds, 1.0);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True(limiter.TryTake(10, 1, out _));
    }

    [Fact]
    public void Sustained_rate_is_exact_over_many_requests_of_uneven_size()
    {
        var clock = new ManualClock();
        var limiter = new RateLimiter(new RateLimitOptions(TokenBucketOptions.PerSecond(1 << 20), null), clock);
        long taken = 0;
        int[] sizes = [4096, 1 << 20, 65536, 512 << 10, 8192];
        int next = 0;
        for (int ms = 0; ms < 10_000; ms++)
        {
            while (limiter.TryTake(sizes[next % sizes.Length], 1, out _))
            {
                taken += sizes[next++ % sizes.Length];
            }

            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        // 10 s at 1 MiB/s plus the initial bucket and at most one request of debt.
        Assert.InRange(taken, 10L << 20, (10L << 20) + (1 << 20) + (1 << 20));
    }

    [Fact]
    public void Update_replaces_the_limits_at_once_and_null_removes_them()
    {
        var clock = new ManualClock();
        var limiter = new RateLimiter(new RateLimitOptions(null, TokenBucketOptions.PerSecond(10)), clock);
        Assert.True(limiter.TryTake(0, 1, out _));
        Assert.False(limiter.TryTake(0, 1, out _));
        limiter.Update(null);
        Assert.True(limiter.TryTake(1 << 30, 1000, out _));
        Assert.Null(limiter.Options);
    }

    [Theory]
    [InlineData("20M", 20L << 20)]
    [InlineData("500", 500L)]
    [InlineData("1.5k", 1536L)]
    [InlineData("2G", 2L << 30)]
    public void Rate_values_take_binary_suffixes(string text, long expected)
    {
        Assert.True(RateValue.TryParse(text, out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("fast")]
    [InlineData("10X")]
    public void Rate_values_refuse_nonsense(string text) => Assert.False(RateValue.TryParse(text, out _));
}
