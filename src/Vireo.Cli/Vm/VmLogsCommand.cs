using System.CommandLine;
using System.Globalization;

namespace Vireo.Cli.Vm;

/// <summary><c>vireo vm logs NAME [-f] [--tail N]</c>: the console's recent output, optionally followed.</summary>
internal static class VmLogsCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name");
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output" };
        var tail = new Option<int?>("--tail", "-n") { Description = "Only the last N lines" };
        var command = new Command("logs", "Print a VM's console output (the last 1 MiB is kept)") { name, follow, tail };
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            string query = $"?follow={(parse.GetValue(follow) ? "true" : "false")}";
            if (parse.GetValue(tail) is int lines)
            {
                query += "&tail=" + lines.ToString(CultureInfo.InvariantCulture);
            }

            using HttpResponseMessage response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, VmCommand.PathOf(parse.GetValue(name)!, "logs") + query), cancellation, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            await using Stream body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
            await using Stream stdout = System.Console.OpenStandardOutput();
            byte[] buffer = new byte[16 << 10];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellation).ConfigureAwait(false)) > 0)
            {
                await stdout.WriteAsync(buffer.AsMemory(0, read), cancellation).ConfigureAwait(false);
                await stdout.FlushAsync(cancellation).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
