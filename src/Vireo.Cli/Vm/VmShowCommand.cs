using System.CommandLine;
using System.Text.Json;
using Vireo.Daemon.Api;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo vm show NAME</c>.</summary>
internal static class VmShowCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name");
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("show", "Show a VM's state and spec") { name, json };
        command.Aliases.Add("inspect");
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            VmDetail vm = await client.GetAsync<VmDetail>(VmCommand.PathOf(parse.GetValue(name)!), cancellation).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(vm, VireoApiClient.Json));
                return ExitCodes.Success;
            }

            System.Console.WriteLine($"name:       {vm.Name}");
            System.Console.WriteLine($"state:      {Format.State(vm.State)} (desired: {vm.DesiredState.ToString().ToLowerInvariant()})");
            System.Console.WriteLine($"created:    {vm.CreatedAt:u}");
            System.Console.WriteLine($"last exit:  {Format.Exit(vm.LastExit)}{(vm.LastExit is { } e ? $": {e.Reason}" : string.Empty)}");
            System.Console.WriteLine($"cpus:       {vm.Spec.Cpus}");
            System.Console.WriteLine($"memory:     {Format.Size(vm.Spec.Memory)}");
            System.Console.WriteLine($"kernel:     {vm.Spec.Kernel ?? "(default guest)"}");
            foreach (Host.Specs.VmDiskSpec disk in vm.Spec.Disks)
            {
                System.Console.WriteLine($"disk:       {disk.Path} ({disk.Format ?? "probe"}, cache={disk.Cache}{(disk.ReadOnly ? ", read-only" : string.Empty)})");
            }

            foreach (Host.Specs.VmNicSpec nic in vm.Spec.Nics)
            {
                System.Console.WriteLine($"nic:        {nic.Backend}{(nic.Mac is null ? string.Empty : $" mac={nic.Mac}")}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
