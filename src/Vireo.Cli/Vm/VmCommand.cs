using System.CommandLine;
using System.Net;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo vm ...</c>: the daemon's client. Each sub-command is one API request (or stream) and prints its answer.</summary>
internal static class VmCommand
{
    /// <summary>The daemon address option every client command takes.</summary>
    public static Option<string?> HostOption { get; } = new("--host", "-H")
    {
        Description = "The daemon: unix:///PATH or tcp://ADDRESS:PORT (default: $VIREO_HOST, else the default socket of vireo serve)",
        Recursive = true,
    };

    public static Command Create()
    {
        var command = new Command("vm", "Manage the VMs of a running daemon (vireo serve)");
        command.Options.Add(HostOption);
        command.Subcommands.Add(VmCreateCommand.Create());
        command.Subcommands.Add(VmListCommand.Create());
        command.Subcommands.Add(VmShowCommand.Create());
        foreach (Command lifecycle in VmLifecycleCommands.Create())
        {
            command.Subcommands.Add(lifecycle);
        }

        command.Subcommands.Add(VmLogsCommand.Create());
        command.Subcommands.Add(VmStatsCommand.Create());
        command.Subcommands.Add(VmConsoleCommand.Create());
        return command;
    }

    /// <summary>Runs <paramref name="action"/> with a client for the chosen daemon; API errors become one line and an exit code.</summary>
    public static int Run(ParseResult parse, Func<VireoApiClient, CancellationToken, Task<int>> action)
    {
        using var client = new VireoApiClient(DaemonAddress.Resolve(parse.GetValue(HostOption)));
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        System.Console.CancelKeyPress += onCancel;
        try
        {
            return action(client, cancel.Token).GetAwaiter().GetResult();
        }
        catch (DaemonUnavailableException e)
        {
            System.Console.Error.WriteLine($"vireo: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (ApiErrorException e)
        {
            System.Console.Error.WriteLine($"vireo: {e.Message}");
            return e.Status == HttpStatusCode.BadRequest ? ExitCodes.BadInput : ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
        finally
        {
            System.Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>The API path of VM <paramref name="name"/> (escaped).</summary>
    public static string PathOf(string name, string? tail = null) => $"/v1/vms/{Uri.EscapeDataString(name)}{(tail is null ? string.Empty : "/" + tail)}";
}
