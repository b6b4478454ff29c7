using System.CommandLine;
using System.Text.Json;
using Vireo.Host.Stats;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo vm stats NAME</c>.</summary>
internal static class VmStatsCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name");
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("stats", "Print a VM's counters") { name, json };
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            VmStats stats = await client.GetAsync<VmStats>(VmCommand.PathOf(parse.GetValue(name)!, "stats"), cancellation).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(stats, VireoApiClient.Json));
                return ExitCodes.Success;
            }

            System.Console.WriteLine($"{stats.Name}: {Format.State(stats.State)}, up {stats.Uptime.TotalSeconds:F1} s, memory {Format.Size(stats.MemoryBytes)}, {stats.Starts} starts");
            System.Console.WriteLine($"  instructions {stats.InstructionsRetired:N0}, host CPU {stats.HostCpuTime.TotalSeconds:F2} s, console {stats.ConsoleBytes:N0} bytes");
            foreach (VcpuStats vcpu in stats.Vcpus)
            {
                System.Console.WriteLine($"  vcpu {vcpu.Index}: {vcpu.InstructionsRetired:N0} instructions, CPU {vcpu.HostCpuTime.TotalSeconds:F2} s, waited {vcpu.WaitTime.TotalSeconds:F2} s");
            }

            foreach (NicStats nic in stats.Nics)
            {
                System.Console.WriteLine($"  nic {nic.Index} ({nic.Mac}): rx {nic.RxFrames:N0} frames ({nic.RxDropped:N0} dropped), tx {nic.TxFrames:N0} ({nic.TxDropped:N0} dropped)");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
