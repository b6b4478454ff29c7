using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Vireo.Host.Lifecycle;
using Vireo.Host.Management;
using Vireo.Host.Specs;
using Vireo.Host.Stats;

namespace Vireo.Daemon.Api;

/// <summary>
/// The <c>/v1/vms</c> endpoints. Each validates and translates one HTTP request into one call on the
/// <see cref="VmManager"/>, which decides; errors become problem+json through <see cref="ProblemFilter"/>.
/// </summary>
internal static class VmEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        RouteGroupBuilder vms = v1.MapGroup("/vms").WithTags("vms");
        vms.MapGet("/", List).WithName("ListVms").WithSummary("List VMs");
        vms.MapPost("/", Create).WithName("CreateVm").WithSummary("Create a VM from a spec (?start=true also starts it)")
            .Accepts<VmSpec>("application/json");
        vms.MapGet("/{name}", Get).WithName("GetVm").WithSummary("A VM's state and spec");
        vms.MapPatch("/{name}", Patch).WithName("UpdateVm").WithSummary("Change a stopped VM's spec (JSON merge patch)")
            .Accepts<JsonObject>("application/merge-patch+json", "application/json");
        vms.MapDelete("/{name}", Delete).WithName("DeleteVm").WithSummary("Delete a VM (?force=true kills a running one first)");
        vms.MapPost("/{name}/start", (VmManager m, string name) => Act(m, name, () => m.StartAsync(name))).WithName("StartVm");
        vms.MapPost("/{name}/stop", (VmManager m, string name, bool? force, double? timeout) =>
        {
            (VmStopMode mode, TimeSpan? wait) = StopRequest.Parse(force, timeout);
            return Act(m, name, () => m.StopAsync(name, mode, wait));
        }).WithName("StopVm").WithSummary("Stop a VM: graceful (power button, then forced after ?timeout=S) or ?force=true");
        vms.MapPost("/{name}/kill", (VmManager m, string name) => Act(m, name, () => m.KillAsync(name))).WithName("KillVm");
        vms.MapPost("/{name}/pause", (VmManager m, string name) => Act(m, name, () => m.PauseAsync(name))).WithName("PauseVm");
        vms.MapPost("/{name}/resume", (VmManager m, string name) => Act(m, name, () => m.ResumeAsync(name))).WithName("ResumeVm");
        vms.MapPost("/{name}/restart", (VmManager m, string name, bool? force, double? timeout) =>
        {
            (VmStopMode mode, TimeSpan? wait) = StopRequest.Parse(force, timeout);
            return Act(m, name, () => m.RestartAsync(name, mode, wait));
        }).WithName("RestartVm");
        vms.MapGet("/{name}/stats", (VmManager m, string name) => TypedResults.Ok(m.Get(name).GetStats())).WithName("GetVmStats").Produces<VmStats>();
    }

    private static Ok<VmSummary[]> List(VmManager manager) =>
        TypedResults.Ok(manager.List().Select(h => VmSummary.From(h, manager.GetRecord(h.Name))).ToArray());

    private static async Task<IResult> Create(VmManager manager, HttpRequest request, bool? start)
    {
        VmSpec spec = await ReadSpecAsync(request).ConfigureAwait(false);
        VmHost host = await manager.CreateAsync(spec, start == true).ConfigureAwait(false);
        return TypedResults.Created($"/v1/vms/{host.Name}", VmDetail.From(host, manager.GetRecord(host.Name)));
    }

    private static Ok<VmDetail> Get(VmManager manager, string name) =>
        TypedResults.Ok(VmDetail.From(manager.Get(name), manager.GetRecord(name)));

    private static async Task<IResult> Patch(VmManager manager, string name, HttpRequest request)
    {
        VmHost host = manager.Get(name);
        JsonNode? patch = await JsonNode.ParseAsync(request.Body).ConfigureAwait(false);
        if (patch is not JsonObject)
        {
            throw new VmSpecException("the body must be a JSON object (a merge patch of the spec)");
        }

        JsonNode? current = JsonSerializer.SerializeToNode(host.Spec, VmSpecJson.Options);
        VmSpec updated = VmSpecJson.Deserialize(MergePatch.Apply(current, patch)!.ToJsonString());
        manager.Update(name, updated);
        return TypedResults.Ok(VmDetail.From(host, manager.GetRecord(name)));
    }

    private static async Task<IResult> Delete(VmManager manager, string name, bool? force)
    {
        await manager.DeleteAsync(name, force == true).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Act(VmManager manager, string name, Func<Task> action)
    {
        await action().ConfigureAwait(false);
        return TypedResults.Ok(VmDetail.From(manager.Get(name), manager.GetRecord(name)));
    }

    private static async Task<VmSpec> ReadSpecAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        string body = await reader.ReadToEndAsync().ConfigureAwait(false);
        return VmSpecJson.Deserialize(body);
    }
}
