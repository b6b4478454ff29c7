using System.Diagnostics;
using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu.Tests.Interpreter;

public sealed class HaltPollingTests
{
    private static long Ticks(long ns) => ns * Stopwatch.Frequency / 1_000_000_000;

    [Fact]
    public void AnIdleHartNeverSpins()
    {
        var polling = new HaltPolling();
        Assert.Equal(0, polling.WindowTicks);

        // Timer ticks milliseconds apart, and waits that time out: the window stays shut.
        for (int i = 0; i < 100; i++)
        {
            polling.RecordBlocked(Ticks(4_000_000), woken: true);
            polling.RecordBlocked(Ticks(50_000), woken: false);
        }

        Assert.Equal(0, polling.WindowTicks);
        Assert.Equal(200, polling.Blocked);
    }

    [Fact]
    public void ShortWaitsOpenTheWindowUpToTheMaximum()
    {
        var polling = new HaltPolling();
        polling.RecordBlocked(Ticks(30_000), woken: true);
        Assert.Equal(Ticks(HaltPolling.StartWindowNs), polling.WindowTicks);
        polling.RecordBlocked(Ticks(30_000), woken: true);
        Assert.Equal(Ticks(2 * HaltPolling.StartWindowNs), polling.WindowTicks);
        for (int i = 0; i < 20; i++)
        {
            polling.RecordBlocked(Ticks(150_000), woken: true);
        }

        Assert.Equal(Ticks(HaltPolling.MaxWindowNs), polling.WindowTicks);

        // Waits caught while spinning leave it where it is.
        polling.RecordPolled();
        Assert.Equal(Ticks(HaltPolling.MaxWindowNs), polling.WindowTicks);
        Assert.Equal(1, polling.Polled);
    }

    [Fact]
    public void LongWaitsCloseTheWindowAgain()
    {
        var polling = new HaltPolling();
        for (int i = 0; i < 10; i++)
        {
            polling.RecordBlocked(Ticks(100_000), woken: true);
        }

        long open = polling.WindowTicks;
        polling.RecordBlocked(Ticks(10_000_000), woken: true);
        Assert.Equal(open / 2, polling.WindowTicks);
        for (int i = 0; i < 10; i++)
        {
            polling.RecordBlocked(Ticks(10_000_000), woken: true);
        }

        Assert.Equal(0, polling.WindowTicks);
    }
}
