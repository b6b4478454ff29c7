using System.CommandLine;
using Vireo.Cli.Run;
using Vireo.Daemon.Api;
using Vireo.Host.Specs;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo vm create NAME [VM options]</c>: defines a VM in the daemon from the same options as <c>vireo run</c>.</summary>
internal static class VmCreateCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The VM's name (a-z, 0-9, '.', '_', '-')" };
        var autostart = new Option<bool>("--autostart") { Description = "Start it again when the daemon restarts, if it was running" };
        var start = new Option<bool>("--start") { Description = "Start it right away" };
        var json = new Option<bool>("--json") { Description = "Print the created VM as JSON" };
        var options = new RunOptions();
        var command = new Command("create", "Create a VM in the daemon (same VM options as vireo run; paths are resolved here)") { name, autostart, start, json };
        options.AddVmOptionsTo(command);
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            VmSpec spec = RunCommand.BuildSpec(parse, options, parse.GetValue(options.Exec), resolveDefaultGuest: false) with
            {
                Name = parse.GetValue(name)!,
                Autostart = parse.GetValue(autostart),
            };

            string path = parse.GetValue(start) ? "/v1/vms?start=true" : "/v1/vms";
            VmDetail created = await client.PostAsync<VmDetail>(path, VmSpecJson.Serialize(spec), cancellation).ConfigureAwait(false);
            System.Console.WriteLine(parse.GetValue(json) ? System.Text.Json.JsonSerializer.Serialize(created, VireoApiClient.Json) : $"{created.Name} {Format.State(created.State)}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
