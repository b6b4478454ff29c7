using System.Globalization;
using Vireo.Devices.Virtio.Balloon;
using Vireo.Machine;
using Vireo.Machine.Memory;

namespace Vireo.Cli.Tests.Integration.Memory;

/// <summary>The balloon with the real default guest (Linux 6.1's virtio_balloon driver), booted in this process.</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class BalloonGuestTests
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
        Assert.True(
            before.ResidentGuestBytes - during.ResidentGuestBytes >= (long)(300 * MiB),
            $"resident {before.ResidentGuestBytes / (long)MiB} MiB before, {during.ResidentGuestBytes / (long)MiB} MiB inflated");

        // Without DEFLATE_ON_OOM the ballooned pages leave MemTotal (kB in /proc/meminfo).
        Assert.True(touched[0] - inflated[0] >= 380 * 1024, $"MemTotal {touched[0]} kB, then {inflated[0]} kB");
        Assert.True(inflated[1] < 200 * 1024);
        Assert.Equal(384UL * MiB, during.BalloonActualBytes);
        Assert.True(during.GuestStats.TotalMemory is ulong total && total < 200 * MiB, $"stats say MemTotal {during.GuestStats.TotalMemory}");

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
        // A first VM pays for what the process does once (the .NET JIT compiling Vireo, runtime structures): boot and
        // drop one, then measure the second.
        using (var warmup = new InProcessGuest("true", 256 * MiB, new BalloonOptions()))
        {
            warmup.WaitForExit(s_boot);
        }

        Settle();
        long before = ProcessRss();
        using var guest = new InProcessGuest("vireo-bench alloc 200 60", 512 * MiB, new BalloonOptions { FreePageReporting = false });
        guest.WaitFor("vireo-bench alloc 200", s_boot);
        Thread.Sleep(2000); // let the JIT's queue drain
        Settle();
        long share = ProcessRss() - before;
        GuestMemoryStats stats = guest.Machine.GetMemoryStats();

        string detail = $"RSS share {share / (long)MiB} MiB; stats total {stats.TotalHostBytes / (long)MiB} MiB = resident {stats.ResidentGuestBytes / (long)MiB} + "
            + $"decode {stats.DecodeCacheBytes / (long)MiB} + jit {stats.JitCodeBytes / (long)MiB} + bookkeeping {stats.RamBookkeepingBytes / 1024} KiB + fixed {stats.FixedOverheadBytes / 1024} KiB";
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
