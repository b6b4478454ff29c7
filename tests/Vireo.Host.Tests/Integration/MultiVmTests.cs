using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vireo.Host.Lifecycle;
using Vireo.Host.Specs;

namespace Vireo.Host.Tests.Integration;

/// <summary>Many VMs in one process: they boot side by side, each keeps its own disk, and one's crash spares the others.</summary>
[Collection(nameof(HostTestCollection))]
public sealed partial class MultiVmTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private readonly string _directory = Directory.CreateTempSubdirectory("vireo-host-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task EightVmsBootConcurrentlyEachWithItsOwnDiskAndACrashSparesTheOthers()
    {
        const int Count = 8;
        var hosts = new List<VmHost>();
        try
        {
            for (int i = 0; i < Count; i++)
            {
                string disk = Path.Combine(_directory, $"disk{i}.img");
                await using (FileStream file = File.Create(disk))
                {
                    file.SetLength(1 << 20);
                }

                // Each guest writes its own marker to its disk, reads it back through a fresh open, then waits to be stopped.
                string command = $"echo marker-{i} | dd of=/dev/vda bs=512 conv=fsync 2>/dev/null; echo 3 > /proc/sys/vm/drop_caches; echo readback-$(head -c 9 /dev/vda); while :; do sleep 1; done";
                hosts.Add(new VmHost(Spec($"vm{i}", command, disk), Options($"vm{i}")));
            }

            // A ninth VM that panics: root= a disk it does not have, and no initramfs.
            var crasher = new VmHost(new VmSpec { Name = "crasher", Memory = 64UL << 20, Kernel = TestGuest.Images.Kernel, Append = "root=/dev/vdz panic=0" }, Options("crasher"));
            hosts.Add(crasher);

            await Task.WhenAll(hosts.Select(static h => h.StartAsync()));
            await Task.WhenAll(hosts.Take(Count).Select((h, i) => ConsoleText.WaitForAsync(h.Console, $"readback-marker-{i}", s_timeout)));

            VmExit? crash = await crasher.WaitForExitAsync().WaitAsync(s_timeout);
            Assert.Equal(VmExitKind.Panic, crash!.Kind);
            Assert.Equal(VmState.Crashed, crasher.State);

            for (int i = 0; i < Count; i++)
            {
                Assert.Equal(VmState.Running, hosts[i].State);
                Assert.DoesNotContain($"marker-{(i + 1) % Count}", ConsoleText.All(hosts[i].Console), StringComparison.Ordinal);
            }

            // Stop half, restart one of the stopped, pause and resume another: the rest keep running.
            VmExit stopped = await hosts[0].StopAsync(VmStopMode.Force, TimeSpan.FromSeconds(5));
            Assert.Equal(VmExitKind.StopRequested, stopped.Kind);
            Assert.Equal(VmState.Stopped, hosts[0].State);
            await hosts[0].StartAsync();
            await ConsoleText.WaitForAsync(hosts[0].Console, "readback-marker-0", s_timeout);
            Assert.Equal(2, hosts[0].GetStats().Starts);

            await hosts[1].RestartAsync(VmStopMode.Force, TimeSpan.FromSeconds(5));
            Assert.Equal(VmState.Running, hosts[1].State);

            await hosts[2].PauseAsync();
            Assert.Equal(VmState.Paused, hosts[2].State);
            await Assert.ThrowsAsync<VmStateException>(() => hosts[2].PauseAsync());
            await hosts[2].ResumeAsync();
            Assert.Equal(VmState.Running, hosts[2].State);

            for (int i = 0; i < Count; i++)
            {
                Assert.Equal(VmState.Running, hosts[i].State);
            }
        }
        finally
        {
            foreach (VmHost host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task APauseStopsTheHartsAndTheGuestClock()
    {
        await using var host = new VmHost(Spec("clock", "while :; do cut -d' ' -f1 /proc/uptime; sleep 0.2; done"), Options("clock"));
        await host.StartAsync();
        await ConsoleText.WaitForAsync(host.Console, "vireo-guest: ready", s_timeout);
        await Task.Delay(1000);

        await host.PauseAsync();
        double before = LastUptime(host);
        ulong retired = host.GetStats().InstructionsRetired;
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(retired, host.GetStats().InstructionsRetired);
        await host.ResumeAsync();

        // The first uptime printed after the resume continues from the pause, not three seconds later.
        long position = host.Console.Position;
        await Task.Delay(1500);
        string after = Encoding.UTF8.GetString(host.Console.Tail((int)(host.Console.Position - position)));
        double next = Uptimes(after).First();
        Assert.InRange(next - before, 0.0, 1.5);
    }

    [Fact]
    public async Task AStoppedVmReleasesItsDiskAndABadKernelFailsTheStart()
    {
        string disk = Path.Combine(_directory, "locked.img");
        await using (FileStream file = File.Create(disk))
        {
            file.SetLength(1 << 20);
        }

        await using var first = new VmHost(Spec("first", "while :; do sleep 1; done", disk), Options("first"));
        await using var second = new VmHost(Spec("second", "true", disk), Options("second"));
        await first.StartAsync();
        Building.VmBuildException locked = await Assert.ThrowsAsync<Building.VmBuildException>(() => second.StartAsync());
        Assert.Equal("disks[0].path", locked.Error.Path);
        Assert.Equal(VmState.Stopped, second.State);

        await first.StopAsync(VmStopMode.Force, TimeSpan.FromSeconds(5));
        await second.StartAsync();
        VmExit? exit = await second.WaitForExitAsync().WaitAsync(s_timeout);
        Assert.Equal(VmExitKind.PowerOff, exit!.Kind);

        string junk = Path.Combine(_directory, "junk");
        await File.WriteAllBytesAsync(junk, [1, 2, 3]);
        await using var bad = new VmHost(new VmSpec { Name = "bad", Kernel = junk, Firmware = "builtin" }, Options("bad"));
        await Assert.ThrowsAnyAsync<Exception>(() => bad.StartAsync());
        Assert.NotEqual(VmState.Running, bad.State);
    }

    private static VmSpec Spec(string name, string command, string? disk = null) => new()
    {
        Name = name,
        Memory = 96UL << 20,
        Append = GuestCommand.Append(command),
        Disks = disk is null ? [] : [new VmDiskSpec { Path = disk, Format = "raw" }],
    };

    private static VmHostOptions Options(string identity) => new() { GuestImages = TestGuest.Instance, Identity = identity };

    private static double LastUptime(VmHost host) => Uptimes(ConsoleText.All(host.Console)).Last();

    private static IEnumerable<double> Uptimes(string text) =>
        UptimeLine().Matches(text).Select(static m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(\d+\.\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex UptimeLine();
}
