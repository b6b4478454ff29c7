using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Vireo.Daemon.Api;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo vm list</c>.</summary>
internal static class VmListCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("list", "List the daemon's VMs") { json };
        command.Aliases.Add("ls");
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            VmSummary[] vms = await client.GetAsync<VmSummary[]>("/v1/vms", cancellation).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(vms, VireoApiClient.Json));
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("NAME", "PROJECT", "STATE", "CPUS", "MEMORY", "AUTOSTART", "LAST EXIT");
            foreach (VmSummary vm in vms)
            {
                table.AddRow(Markup.Escape(vm.Name), Markup.Escape(vm.Project), Format.State(vm.State), vm.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), Format.Size(vm.Memory), vm.Autostart ? "yes" : "no", Markup.Escape(Format.Exit(vm.LastExit)));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Success;
        }));
        return command;
    }
}
