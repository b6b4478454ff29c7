using System.CommandLine;
using System.Net.WebSockets;
using Vireo.Cli.Run;

namespace Vireo.Cli.Vm;

/// <summary>
/// <c>vireo vm console NAME</c>: attaches this terminal (raw) to the VM's console over the API's WebSocket; Ctrl-]
/// detaches and leaves the VM running. Any number of viewers may attach at once.
/// </summary>
internal static class VmConsoleCommand
{
    private const byte DetachKey = 0x1d; // Ctrl-]

    public static Command Create()
    {
        var name = new Argument<string>("name");
        var tail = new Option<int>("--tail") { Description = "Bytes of recent output to show first", DefaultValueFactory = _ => 4096 };
        var command = new Command("console", "Attach to a VM's console (Ctrl-] detaches)") { name, tail };
        command.SetAction(parse => VmCommand.Run(parse, async (client, cancellation) =>
        {
            using WebSocket socket = await client.ConnectWebSocketAsync($"{VmCommand.PathOf(parse.GetValue(name)!, "console")}?tail={parse.GetValue(tail)}", cancellation).ConfigureAwait(false);
            using TerminalRawMode? raw = TerminalRawMode.TryEnter();
            if (raw is not null)
            {
                System.Console.Error.Write($"[attached to {parse.GetValue(name)}; Ctrl-] detaches]\r\n");
            }

            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            Task output = PumpOutput(socket, done.Token);
            Task input = PumpInput(socket, done.Token);
            await Task.WhenAny(output, input).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "detached", CancellationToken.None).ConfigureAwait(false);
            }

            raw?.Restore();
            System.Console.Error.WriteLine();
            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task PumpOutput(WebSocket socket, CancellationToken cancellation)
    {
        await using Stream stdout = System.Console.OpenStandardOutput();
        byte[] buffer = new byte[16 << 10];
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult received = await socket.ReceiveAsync(buffer.AsMemory(), cancellation).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                await stdout.WriteAsync(buffer.AsMemory(0, received.Count), cancellation).ConfigureAwait(false);
                await stdout.FlushAsync(cancellation).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    private static async Task PumpInput(WebSocket socket, CancellationToken cancellation)
    {
        // Standard input has no cancellable read: a thread reads it, and the pump ends with the socket either way.
        await using Stream stdin = System.Console.OpenStandardInput();
        byte[] buffer = new byte[1024];
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                int read = await Task.Run(() => stdin.Read(buffer, 0, buffer.Length), cancellation).ConfigureAwait(false);
                if (read <= 0)
                {
                    // End of input: keep watching the output until the viewer detaches.
                    await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
                    return;
                }

                int detach = Array.IndexOf(buffer, DetachKey, 0, read);
                int count = detach < 0 ? read : detach;
                if (count > 0)
                {
                    await socket.SendAsync(buffer.AsMemory(0, count), WebSocketMessageType.Binary, true, cancellation).ConfigureAwait(false);
                }

                if (detach >= 0)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }
}
