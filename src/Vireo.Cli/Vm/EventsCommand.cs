using System.CommandLine;
using System.Text.Json;
using Vireo.Host.Management;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo events</c>: the daemon's event stream (server-sent events), one line each.</summary>
internal static class EventsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print each event as one JSON line" };
        var command = new Command("events", "Follow the daemon's VM events (created, state changes with their reasons, deleted)") { json, VmCommand.HostOption };
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            using HttpResponseMessage response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/events"), cancellation, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false));
            while (await reader.ReadLineAsync(cancellation).ConfigureAwait(false) is string line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                string data = line["data: ".Length..];
                if (parse.GetValue(json))
                {
                    System.Console.WriteLine(data);
                    continue;
                }

                VmEvent e = JsonSerializer.Deserialize<VmEvent>(data, VireoApiClient.Json)!;
                string change = e.To is { } to ? $" {(e.From is { } from ? Format.State(from) + " -> " : string.Empty)}{Format.State(to)}" : string.Empty;
                System.Console.WriteLine($"{e.Time:HH:mm:ss.fff} {e.Vm} {e.Kind.ToString().ToLowerInvariant()}{change}: {e.Reason}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
