using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Host.Console;
using Vireo.Host.Lifecycle;
using Vireo.Host.Management;

namespace Vireo.Daemon.Api;

/// <summary>The console: a WebSocket that streams output and takes input, and the log (the console's ring buffer).</summary>
internal static class ConsoleEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/vms/{name}/console", Console).WithTags("vms").WithName("AttachConsole")
            .WithSummary("WebSocket: console output as binary messages from now on (?tail=BYTES of history first); binary or text messages sent are typed into the guest");
        v1.MapGet("/vms/{name}/logs", Logs).WithTags("vms").WithName("GetVmLogs")
            .WithSummary("The console's last lines (?tail=N; at least the last 1 MiB is kept); ?follow=true keeps streaming").Produces<string>(200, "text/plain");
    }

    private static async Task<IResult> Console(HttpContext context, VmManager manager, string name, int? tail)
    {
        VmHost host = manager.Get(name);
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return ProblemFilter.Problem(StatusCodes.Status400BadRequest, "not a WebSocket request", "connect with a WebSocket (Upgrade: websocket) to attach to the console");
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        long position = host.Console.Position - Math.Clamp(tail ?? 0, 0, host.Console.Capacity);
        Task output = PumpOutput(host.Console, position, socket, done.Token);
        Task input = PumpInput(host, socket, done.Token);
        await Task.WhenAny(output, input).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(output, input).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The viewer went away.
        }

        // Answer the viewer's close, or close ourselves; a viewer that vanished leaves nothing to answer.
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "detached", CancellationToken.None).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
            }
        }

        return Results.Empty;
    }

    private static async Task PumpOutput(ConsoleBuffer console, long position, WebSocket socket, CancellationToken cancellation)
    {
        byte[] chunk = new byte[16 << 10];
        while (!cancellation.IsCancellationRequested)
        {
            (int count, long next, _) = await console.ReadAsync(position, chunk, cancellation).ConfigureAwait(false);
            position = next;
            await socket.SendAsync(chunk.AsMemory(0, count), WebSocketMessageType.Binary, endOfMessage: true, cancellation).ConfigureAwait(false);
        }
    }

    private static async Task PumpInput(VmHost host, WebSocket socket, CancellationToken cancellation)
    {
        byte[] buffer = new byte[4096];
        while (!cancellation.IsCancellationRequested)
        {
            ValueWebSocketReceiveResult received = await socket.ReceiveAsync(buffer.AsMemory(), cancellation).ConfigureAwait(false);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            int count = received.Count;
            byte[] input = buffer.AsSpan(0, count).ToArray();

            // The console's input buffer may be full (a guest not reading): wait on a pool thread, not the socket loop.
            await Task.Run(() => host.SendConsoleInput(input, cancellation), cancellation).ConfigureAwait(false);
        }
    }

    private static async Task Logs(HttpContext context, VmManager manager, string name, int? tail, bool? follow)
    {
        VmHost host = manager.Get(name);
        if (tail is < 0)
        {
            throw new ArgumentException("tail must not be negative");
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        byte[] all = host.Console.Tail(host.Console.Capacity);
        long position = host.Console.Position;
        ReadOnlyMemory<byte> shown = tail is null ? all : LastLines(all, tail.Value);
        await context.Response.Body.WriteAsync(shown, context.RequestAborted).ConfigureAwait(false);
        if (follow != true)
        {
            return;
        }

        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        byte[] chunk = new byte[16 << 10];
        try
        {
            while (!context.RequestAborted.IsCancellationRequested)
            {
                (int count, long next, _) = await host.Console.ReadAsync(position, chunk, context.RequestAborted).ConfigureAwait(false);
                position = next;
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, count), context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client stopped following.
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of <paramref name="text"/> (a final line without a newline counts).</summary>
    internal static ReadOnlyMemory<byte> LastLines(byte[] text, int lines)
    {
        if (lines == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        int end = text.Length;
        int seen = 0;
        for (int i = end - 1; i >= 0; i--)
        {
            if (text[i] == (byte)'\n' && i != end - 1 && ++seen == lines)
            {
                return text.AsMemory(i + 1);
            }
        }

        return text;
    }
}
