using System.CommandLine;
using System.Globalization;
using Vireo.Daemon.Api;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo vm start|stop|kill|pause|resume|restart|rm NAME</c>: one lifecycle request each.</summary>
internal static class VmLifecycleCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Simple("start", "Start a VM");
        yield return WithStopOptions("stop", "Stop a VM: ask the guest to power off, force it after --timeout (or at once with --force)");
        yield return Simple("kill", "Stop a VM at once");
        yield return Simple("pause", "Pause a VM (harts parked, guest clock frozen)");
        yield return Simple("resume", "Resume a paused VM");
        yield return WithStopOptions("restart", "Stop a VM (as stop) and start it again");
        yield return Remove();
    }

    private static Command Simple(string action, string description)
    {
        var name = new Argument<string>("name");
        var command = new Command(action, description) { name };
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            VmDetail vm = await client.PostAsync<VmDetail>(VmCommand.PathOf(parse.GetValue(name)!, action), cancellation: cancellation).ConfigureAwait(false);
            System.Console.WriteLine($"{vm.Name} {Format.State(vm.State)}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command WithStopOptions(string action, string description)
    {
        var name = new Argument<string>("name");
        var force = new Option<bool>("--force", "-f") { Description = "Do not ask the guest: stop the harts at once" };
        var timeout = new Option<double?>("--timeout", "-t") { Description = "Seconds to wait for the guest to power off before forcing (default 30)" };
        var command = new Command(action, description) { name, force, timeout };
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            string query = $"?force={(parse.GetValue(force) ? "true" : "false")}";
            if (parse.GetValue(timeout) is double seconds)
            {
                query += "&timeout=" + seconds.ToString(CultureInfo.InvariantCulture);
            }

            VmDetail vm = await client.PostAsync<VmDetail>(VmCommand.PathOf(parse.GetValue(name)!, action) + query, cancellation: cancellation).ConfigureAwait(false);
            System.Console.WriteLine($"{vm.Name} {Format.State(vm.State)}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name");
        var force = new Option<bool>("--force", "-f") { Description = "Kill the VM first if it runs" };
        var command = new Command("rm", "Delete a VM (its disk images are left alone)") { name, force };
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            await client.DeleteAsync(VmCommand.PathOf(parse.GetValue(name)!) + (parse.GetValue(force) ? "?force=true" : string.Empty), cancellation).ConfigureAwait(false);
            System.Console.WriteLine($"{parse.GetValue(name)} deleted");
            return ExitCodes.Success;
        }));
        return command;
    }
}
