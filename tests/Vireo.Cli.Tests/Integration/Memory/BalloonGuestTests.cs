using System.Globalization;
using Vireo.Devices.Virtio.Balloon;
using Vireo.Machine;
using Vireo.Machine.Memory;
using Xunit.Abstractions;

namespace Vireo.Cli.Tests.Integration.Memory;

/// <summary>The balloon with the real default guest (Linux 6.1's virtio_balloon driver), booted in this process.</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class BalloonGuestTests(ITestOutputHelper output)
{
    private const ulong MiB = 1 << 20;
    private const string Meminfo = "avail() { awk '/MemAvailable/{print $2}' /proc/meminfo; }; total() { awk '/MemTotal/{print $2}' /proc/meminfo; }; ";
    private static readonly TimeSpan s_boot = TimeSpan.FromMinutes(5);

    [Fact]
    public void FreePageReportingReturnsMemoryTheGuestFreedWithinFifteenSeconds()
    {
        var options = new BalloonOptions { FreePageReporting = true, DeflateOnOom = true };
        using var guest = new InProcessGuest("vireo-bench alloc 300 3 && echo ALLOC-FREED && sleep 120", 512 * MiB, options);
        guest.WaitFor("vireo-bench alloc 300", s_boot);
        long peak = guest.Machine.GetMemoryStats().ResidentGuestBytes;
        guest.WaitFor("ALLOC-FREED", TimeSpan.FromMinutes(1));

        long resident = peak;
        bool dropped = InProcessGuest.Eventually(
            () => peak - (resident = guest.Machine.GetMemoryStats().ResidentGuestBytes) >= (long)(250 * MiB),
            TimeSpan.FromSeconds(15));

        VirtioBalloonCounters counters = guest.Machine.Balloon!.Counters;
        output.WriteLine($"free page reporting: resident {peak / (long)MiB} MiB held, {resident / (long)MiB} MiB after the free");
        Assert.True(dropped, $"resident guest RAM {peak / (long)MiB} MiB while held, {resident / (long)MiB} MiB 15 s after the free; reported {counters.ReportedBytes / (long)MiB} MiB");
        Assert.True(counters.ReportedBytes >= (long)(250 * MiB), $"reported {counters.ReportedBytes} bytes");
        Assert.Equal(0, counters.InvalidPfns + counters.MalformedRequests);
    }

    [Fact]
    public void InflatingTakesMemoryFromGuestAndHostDeflatingGivesItBack()
    {
        // Free page reporting off, so only the balloon gives touched memory back.
        var options = new BalloonOptions { FreePageReporting = false, DeflateOnOom = false, StatsInterval = TimeSpan.FromMilliseconds(500) };
        string script = Meminfo
            + "vireo-bench alloc 400 && echo \"TOUCHED $(total) $(avail)\"; "
            + "while [ $(avail) -gt 200000 ]; do sleep 1; done; echo \"INFLATED $(total) $(avail)\"; "
            + "while [ $(avail) -lt 400000 ]; do sleep 1; done; echo \"DEFLATED $(total) $(avail)\"; "
            + "vireo-bench alloc 400 && echo ALLOC-OK";
        using var guest = new InProcessGuest(script, 512 * MiB, options);
        long[] touched = Numbers(guest.WaitFor("TOUCHED", s_boot));
        GuestMemoryStats before = guest.Machine.GetMemoryStats();

        // Leave the guest 128 MiB.
        Assert.True(guest.Machine.SetBalloonTarget(384 * MiB));
        long[] inflated = Numbers(guest.WaitFor("INFLATED", TimeSpan.FromMinutes(3)));
        Assert.True(
            InProcessGuest.Eventually(() => guest.Machine.Balloon!.ActualBytes == 384 * MiB, TimeSpan.FromMinutes(2)),
            $"balloon at {guest.Machine.Balloon!.ActualBytes / MiB} MiB");
        GuestMemoryStats during = guest.Machine.GetMemoryStats();
        output.WriteLine($"inflate: resident {before.ResidentGuestBytes / (long)MiB} MiB before, {during.ResidentGuestBytes / (long)MiB} MiB with the balloon at 384 MiB");
        Assert.True(
            before.ResidentGuestBytes - during.ResidentGuestBytes >= (long)(300 * MiB),
            $"resident {before.ResidentGuestBytes / (long)MiB} MiB before, {during.ResidentGuestBytes / (long)MiB} MiB inflated");

        // Without DEFLATE_ON_OOM the ballooned pages leave MemTotal (kB in /proc/meminfo): the guest's line was printed
        // on the way down, its statistics (polled every 500 ms) show the end.
        Assert.True(inflated[0] < touched[0] && inflated[1] < 200 * 1024, $"MemTotal {touched[0]} kB, then {inflated[0]} kB");
        Assert.Equal(384UL * MiB, during.BalloonActualBytes);
        ulong shrunk = ((ulong)touched[0] * 1024) - (380 * MiB);
        Assert.True(
            InProcessGuest.Eventually(() => guest.Machine.GetMemoryStats().GuestStats.TotalMemory < shrunk, TimeSpan.FromSeconds(10)),
            $"stats say MemTotal {guest.Machine.GetMemoryStats().GuestStats.TotalMemory}, {touched[0]} kB before");

        Assert.True(guest.Machine.SetBalloonTarget(0));
        long[] deflated = Numbers(guest.WaitFor("DEFLATED", TimeSpan.FromMinutes(3)));
        Assert.True(deflated[0] >= touched[0] - 1024, $"MemTotal {deflated[0]} kB after deflating, {touched[0]} kB before");
        guest.WaitFor("ALLOC-OK", TimeSpan.FromMinutes(2));
        Assert.Equal(MachineExitKind.PowerOff, guest.WaitForExit(TimeSpan.FromMinutes(1)).Kind);
        Assert.Equal(0UL, guest.Machine.Balloon!.ActualBytes);
    }

    [Fact]
    public void DeflateOnOomLetsAnAllocationIntoTheBalloonSucceedWithoutAKill()
    {
        // The balloon takes 448 of 512 MiB at boot; the guest then allocates 300 MiB, which only the balloon can give.
        var options = new BalloonOptions { FreePageReporting = false, DeflateOnOom = true, InitialTargetBytes = 448 * MiB };
        string script = Meminfo
            + "while [ $(avail) -gt 100000 ]; do sleep 1; done; echo \"INFLATED $(avail)\"; "
            + "vireo-bench alloc 300 && echo ALLOC-OK";
        using var guest = new InProcessGuest(script, 512 * MiB, options);
        guest.WaitFor("INFLATED", s_boot);
        guest.WaitFor("ALLOC-OK", TimeSpan.FromMinutes(4));
        MachineExit exit = guest.WaitForExit(TimeSpan.FromMinutes(1));

        Assert.Equal(MachineExitKind.PowerOff, exit.Kind);
        Assert.DoesNotContain("Killed process", guest.Console, StringComparison.Ordinal);
        Assert.True(guest.Machine.Balloon!.Counters.DeflatedPages >= (long)(200 * MiB / 4096), $"deflated {guest.Machine.Balloon.Counters.DeflatedPages} pages");
    }

    [Fact]
    public void MemoryStatsAccountForTheVmsShareOfProcessRss()
    {
        // A first VM pays for what the process does once (the .NET JIT compiling Vireo, runtime structures), so one
        // runs first and stays up: the measured VM is a second one, as in a daemon holding many. (A first VM disposed
        // before would leave its freed heap for the second to reuse, hiding the second's caches.)
        // Without free page reporting, so its RSS holds still while the second is measured.
        using var first = new InProcessGuest("sleep 600", 256 * MiB, new BalloonOptions { FreePageReporting = false });
        first.WaitFor("vireo-guest: ready", s_boot);
        Thread.Sleep(3000);
        // The VM's share: the native memory the process gained (RSS less what the GC committed) plus the managed
        // objects it gained (live heap after a full collection). Committed GC memory alone would depend on history: a
        // heap that earlier VMs of this test process left free is reused without any RSS growth.
        Settle();
        long rssBefore = ProcessRss();
        long committedBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
        long liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var guest = new InProcessGuest("vireo-bench alloc 200 60", 512 * MiB, new BalloonOptions { FreePageReporting = false });
        guest.WaitFor("vireo-bench alloc 200", s_boot);
        Thread.Sleep(2000); // let the JIT's queue drain
        Settle();
        long live = GC.GetTotalMemory(forceFullCollection: true) - liveBefore;
        long committed = GC.GetGCMemoryInfo().TotalCommittedBytes - committedBefore;
        long native = ProcessRss() - rssBefore - committed;
        long share = native + live;
        GuestMemoryStats stats = guest.Machine.GetMemoryStats();

        string detail = $"RSS share {share / (long)MiB} MiB; stats total {stats.TotalHostBytes / (long)MiB} MiB = resident {stats.ResidentGuestBytes / (long)MiB} + "
            + $"decode {stats.DecodeCacheBytes / (long)MiB} + jit {stats.JitCodeBytes / (long)MiB} + bookkeeping {stats.RamBookkeepingBytes / 1024} KiB + fixed {stats.FixedOverheadBytes / 1024} KiB";
        output.WriteLine(detail);
        output.WriteLine($"share = native {native / (long)MiB} MiB + managed {live / (long)MiB} MiB (GC committed {committed / (long)MiB:+0;-0} MiB); decoded pages {stats.DecodeCacheBytes / HostOverheadModel.DecodedPageBytes}");
        Assert.True(Math.Abs(stats.TotalHostBytes - share) <= share / 20, detail);
    }

    private static void Settle()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    private static long ProcessRss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }

    /// <summary>The numbers after the marker word of a line such as "INFLATED 123 456".</summary>
    private static long[] Numbers(string line) =>
        [.. line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture))];
}
