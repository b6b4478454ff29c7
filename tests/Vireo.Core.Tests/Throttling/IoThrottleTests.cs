using Vireo.Core.Throttling;

namespace Vireo.Core.Tests.Throttling;

/// <summary>The per-disk queue and the weighted host budget, simulated on a hand-moved clock.</summary>
public sealed class IoThrottleTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public void A_limited_disk_gets_its_rate_and_requests_leave_in_arrival_order()
    {
        var clock = new ManualClock();
        using var throttle = new IoThrottle(new DiskLimitOptions(Total: RateLimitOptions.PerSecond(10 * MiB, 0)), time: clock);
        var disk = new Disk(throttle, IoKind.Write, 256 << 10, depth: 8);
        disk.Run(clock, TimeSpan.FromSeconds(10));
        Assert.InRange(disk.Bytes, 100 * MiB, 102 * MiB);
        Assert.Equal(Enumerable.Range(0, disk.Completed.Count), disk.Completed);
        IoThrottleStats stats = throttle.Stats;
        Assert.True(stats.ThrottledRequests > 300);
        Assert.True(stats.ThrottledTime > TimeSpan.FromSeconds(10)); // eight waiting at a time
        Assert.InRange(stats.Waiting, 7, 8); // the last millisecond's grant may already be collected
    }

    [Fact]
    public void Reads_and_writes_draw_on_their_own_buckets_and_on_the_total()
    {
        var clock = new ManualClock();
        using var throttle = new IoThrottle(
            new DiskLimitOptions(Read: RateLimitOptions.PerSecond(0, 100), Write: RateLimitOptions.PerSecond(0, 1000)),
            time: clock);
        var reads = new Disk(throttle, IoKind.Read, 4096, depth: 1);
        reads.Run(clock, TimeSpan.FromSeconds(5));
        Assert.InRange(reads.Count, 500, 511); // 100 per second plus the first tenth of a second's worth

        throttle.Update(new DiskLimitOptions(Total: RateLimitOptions.PerSecond(0, 50)));
        var writes = new Disk(throttle, IoKind.Write, 4096, depth: 1);
        writes.Run(clock, TimeSpan.FromSeconds(4));
        Assert.InRange(writes.Count, 200, 206);
    }

    [Fact]
    public void An_iops_limit_paces_small_random_reads()
    {
        var clock = new ManualClock();
        using var throttle = new IoThrottle(new DiskLimitOptions(Total: RateLimitOptions.PerSecond(0, 500)), time: clock);
        var disk = new Disk(throttle, IoKind.Read, 4096, depth: 4);
        disk.Run(clock, TimeSpan.FromSeconds(10));
        Assert.InRange(disk.Count, 5000, 5054);
    }

    [Fact]
    public void Two_disks_with_weights_three_to_one_share_a_contended_budget_three_to_one()
    {
        var clock = new ManualClock();
        using var budget = new DiskBudget(RateLimitOptions.PerSecond(40 * MiB, 0)!, clock);
        using var heavy = new IoThrottle(new DiskLimitOptions(Weight: 300), budget);
        using var light = new IoThrottle(new DiskLimitOptions(Weight: 100), budget);
        var a = new Disk(heavy, IoKind.Write, 1 << 20, depth: 4);
        var b = new Disk(light, IoKind.Write, 1 << 20, depth: 4);
        Disk.RunAll(clock, TimeSpan.FromSeconds(10), a, b);
        double ratio = (double)a.Bytes / b.Bytes;
        Assert.InRange(ratio, 2.9, 3.1);
        Assert.InRange(a.Bytes + b.Bytes, 400 * MiB, 410 * MiB); // the whole budget, no more
    }

    [Fact]
    public void Weights_divide_operations_as_well_as_bytes_and_unequal_request_sizes_are_charged_by_size()
    {
        var clock = new ManualClock();
        using var budget = new DiskBudget(RateLimitOptions.PerSecond(20 * MiB, 0)!, clock);
        using var small = new IoThrottle(new DiskLimitOptions(Weight: 100), budget);
        using var large = new IoThrottle(new DiskLimitOptions(Weight: 100), budget);
        var a = new Disk(small, IoKind.Read, 64 << 10, depth: 4);
        var b = new Disk(large, IoKind.Read, 1 << 20, depth: 4);
        Disk.RunAll(clock, TimeSpan.FromSeconds(10), a, b);
        Assert.InRange((double)a.Bytes / b.Bytes, 0.9, 1.1); // equal weights: equal bytes, not equal requests
    }

    [Fact]
    public void A_lone_disk_gets_the_whole_budget_and_a_disk_held_by_its_own_limit_leaves_the_rest_to_the_other()
    {
        var clock = new ManualClock();
        using var budget = new DiskBudget(RateLimitOptions.PerSecond(40 * MiB, 0)!, clock);
        using var heavy = new IoThrottle(new DiskLimitOptions(Weight: 300), budget);
        var alone = new Disk(heavy, IoKind.Write, 1 << 20, depth: 4);
        alone.Run(clock, TimeSpan.FromSeconds(5));
        Assert.InRange(alone.Bytes, 200 * MiB, 206 * MiB);
        alone.Stop = true;
        clock.Advance(TimeSpan.FromSeconds(1));

        // Weight 300 but capped at 5 MiB/s by its own bucket: the weight-100 disk takes the other 35.
        heavy.Update(new DiskLimitOptions(Total: RateLimitOptions.PerSecond(5 * MiB, 0), Weight: 300));
        using var light = new IoThrottle(new DiskLimitOptions(Weight: 100), budget);
        var a = new Disk(heavy, IoKind.Write, 1 << 20, depth: 4);
        var b = new Disk(light, IoKind.Write, 1 << 20, depth: 4);
        Disk.RunAll(clock, TimeSpan.FromSeconds(10), a, b);
        Assert.InRange(a.Bytes, 50 * MiB, 52 * MiB);
        Assert.InRange(b.Bytes, 345 * MiB, 355 * MiB);
    }

    [Fact]
    public void A_live_update_releases_waiting_requests_at_once_and_reset_releases_all()
    {
        var clock = new ManualClock();
        using var throttle = new IoThrottle(new DiskLimitOptions(Total: RateLimitOptions.PerSecond(0, 1)), time: clock);
        var disk = new Disk(throttle, IoKind.Read, 4096, depth: 1);
        disk.Submit(); // the bucket's one token
        disk.Submit();
        disk.Submit();
        Assert.Equal(1, disk.Count);
        Assert.Equal(2, throttle.Stats.Waiting);
        throttle.Update(new DiskLimitOptions(Total: RateLimitOptions.PerSecond(0, 1000)));
        Assert.Equal(3, disk.Count); // no clock movement needed
        throttle.Update(new DiskLimitOptions(Total: RateLimitOptions.PerSecond(0, 1)));
        disk.Submit();
        disk.Submit();
        disk.Submit();
        throttle.ReleaseAll();
        Assert.Equal(6, disk.Count);
        Assert.Equal(0, throttle.Stats.Waiting);
    }

    [Fact]
    public void Limits_out_of_range_are_refused_with_one_line()
    {
        var error = Assert.Throws<ArgumentException>(() => new IoThrottle(new DiskLimitOptions(Weight: 0)));
        Assert.Contains("weight must be 1 to 10000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/var/lib/vireo=200M,5000", "/var/lib/vireo", 200L << 20, 5000L)]
    [InlineData("/data=0,800", "/data", 0L, 800L)]
    public void Disk_budgets_parse(string text, string path, long bps, long iops)
    {
        DiskBudgetOptions options = DiskBudgetOptions.Parse(text);
        Assert.Equal(new DiskBudgetOptions(path, bps, iops), options);
        Assert.True(options.Covers(path + "/vm1/disk.qcow2"));
        Assert.False(options.Covers(path + "x/disk.qcow2"));
    }

    [Theory]
    [InlineData("/data")]
    [InlineData("/data=100M")]
    [InlineData("/data=0,0")]
    [InlineData("/data=lots,5")]
    public void Bad_disk_budgets_are_refused(string text) =>
        Assert.Throws<FormatException>(() => DiskBudgetOptions.Parse(text));

    /// <summary>A guest keeping <c>depth</c> requests of one size outstanding; each completes the moment it is granted.</summary>
    private sealed class Disk(IoThrottle throttle, IoKind kind, long size, int depth)
    {
        private readonly List<int> _released = [];
        private int _next;
        private int _outstanding;

        public List<int> Completed { get; } = [];

        public long Bytes => Count * size;

        public int Count
        {
            get
            {
                Collect();
                return Completed.Count;
            }
        }

        public bool Stop { get; set; }

        public static void RunAll(ManualClock clock, TimeSpan time, params Disk[] disks)
        {
            for (int ms = 0; ms < time.TotalMilliseconds; ms++)
            {
                foreach (Disk disk in disks)
                {
                    disk.Fill();
                }

                clock.Advance(TimeSpan.FromMilliseconds(1));
                foreach (Disk disk in disks)
                {
                    disk.Collect();
                }
            }

            foreach (Disk disk in disks)
            {
                disk.Stop = true;
            }
        }

        public void Run(ManualClock clock, TimeSpan time) => RunAll(clock, time, this);

        public void Submit()
        {
            int id = _next++;
            _outstanding++;
            if (throttle.TryAdmit(new Request(this, id), kind, size))
            {
                Done(id);
            }

            Collect();
        }

        private void Fill()
        {
            while (!Stop && _outstanding < depth)
            {
                Submit();
            }
        }

        private void Collect()
        {
            lock (_released)
            {
                foreach (int id in _released)
                {
                    Done(id);
                }

                _released.Clear();
            }
        }

        private void Done(int id)
        {
            _outstanding--;
            Completed.Add(id);
        }

        private sealed class Request(Disk disk, int id) : IThrottledRequest
        {
            public void Release()
            {
                lock (disk._released)
                {
                    disk._released.Add(id);
                }
            }
        }
    }
}
