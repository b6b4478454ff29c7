using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Host.Management;
using Vireo.Host.Specs;

namespace Vireo.Daemon.Api;

/// <summary><c>GET /v1/events</c>: server-sent events, one per VM event (created, state changed with its reason, updated, deleted).</summary>
internal static class EventEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/events", Stream).WithTags("events").WithName("StreamEvents")
            .WithSummary("Server-sent events: 'event: created|state_changed|updated|deleted', 'data: {json}'").Produces<VmEvent>(200, "text/event-stream");
    }

    private static async Task Stream(HttpContext context, VmManager manager)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsync(": vireo events\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            await foreach (VmEvent e in manager.Events.SubscribeAsync(context.RequestAborted).ConfigureAwait(false))
            {
                string kind = JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Kind.ToString());
                string data = JsonSerializer.Serialize(e, VmSpecJson.Options);
                await context.Response.WriteAsync($"id: {e.Sequence}\nevent: {kind}\ndata: {data}\n\n", context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }
}
