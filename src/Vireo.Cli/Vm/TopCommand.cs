using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vireo.Daemon.Api;
using Vireo.Host.Stats;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo top</c>: a live table of every VM's CPU, guest instruction rate, memory and network rates.</summary>
internal static class TopCommand
{
    public static Command Create()
    {
        var interval = new Option<double>("--interval", "-d") { Description = "Seconds between refreshes", DefaultValueFactory = _ => 2 };
        var once = new Option<bool>("--once") { Description = "Print one table (rates over one interval) and exit" };
        var command = new Command("top", "Live table of the daemon's VMs: CPU, instructions/s, memory, network") { interval, once, VmCommand.HostOption };
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            TimeSpan every = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(interval), 0.2, 3600));
            Dictionary<string, VmStats> previous = await Sample(client, cancellation).ConfigureAwait(false);
            if (parse.GetValue(once))
            {
                await Task.Delay(every, cancellation).ConfigureAwait(false);
                AnsiConsole.Write(Render(previous, await Sample(client, cancellation).ConfigureAwait(false), every));
                return ExitCodes.Success;
            }

            await AnsiConsole.Live(new Table()).StartAsync(async live =>
            {
                while (!cancellation.IsCancellationRequested)
                {
                    await Task.Delay(every, cancellation).ConfigureAwait(false);
                    Dictionary<string, VmStats> current = await Sample(client, cancellation).ConfigureAwait(false);
                    live.UpdateTarget(Render(previous, current, every));
                    previous = current;
                }
            }).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task<Dictionary<string, VmStats>> Sample(VireoApiClient client, CancellationToken cancellation)
    {
        VmSummary[] vms = await client.GetAsync<VmSummary[]>("/v1/vms", cancellation).ConfigureAwait(false);
        var stats = new Dictionary<string, VmStats>(StringComparer.Ordinal);
        foreach (VmSummary vm in vms)
        {
            try
            {
                stats[vm.Name] = await client.GetAsync<VmStats>(VmCommand.PathOf(vm.Name, "stats"), cancellation).ConfigureAwait(false);
            }
            catch (ApiErrorException)
            {
                // Deleted between the list and its stats.
            }
        }

        return stats;
    }

    private static Table Render(Dictionary<string, VmStats> before, Dictionary<string, VmStats> now, TimeSpan interval)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("NAME", "STATE", "CPU %", "MIPS", "VCPUS", "MEMORY", "UPTIME", "NET RX/s", "NET TX/s");
        double seconds = interval.TotalSeconds;
        foreach ((string name, VmStats s) in now.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            VmStats? b = before.GetValueOrDefault(name);
            bool sameRun = b is not null && b.Starts == s.Starts && s.HostCpuTime >= b.HostCpuTime;
            double cpu = sameRun ? (s.HostCpuTime - b!.HostCpuTime).TotalSeconds / seconds * 100 : 0;
            double mips = sameRun && s.InstructionsRetired >= b!.InstructionsRetired ? (s.InstructionsRetired - b.InstructionsRetired) / seconds / 1e6 : 0;
            long rx = s.Nics.Sum(static n => n.RxFrames) - (sameRun ? b!.Nics.Sum(static n => n.RxFrames) : s.Nics.Sum(static n => n.RxFrames));
            long tx = s.Nics.Sum(static n => n.TxFrames) - (sameRun ? b!.Nics.Sum(static n => n.TxFrames) : s.Nics.Sum(static n => n.TxFrames));
            table.AddRow(
                Markup.Escape(name),
                Format.State(s.State),
                cpu.ToString("F1", CultureInfo.InvariantCulture),
                mips.ToString("F1", CultureInfo.InvariantCulture),
                s.Vcpus.Count.ToString(CultureInfo.InvariantCulture),
                Format.Size(s.MemoryBytes),
                s.Uptime.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture) + " s",
                (rx / seconds).ToString("F0", CultureInfo.InvariantCulture) + " fr",
                (tx / seconds).ToString("F0", CultureInfo.InvariantCulture) + " fr");
        }

        return table;
    }
}
