using System.Text.Json.Nodes;

namespace Vireo.Daemon.Api;

/// <summary>JSON merge patch (RFC 7386): objects merge member by member, <c>null</c> removes, anything else replaces.</summary>
internal static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        JsonObject result = target as JsonObject is { } existing ? (JsonObject)existing.DeepClone() : [];
        foreach ((string name, JsonNode? value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = Apply(result[name], value);
            }
        }

        return result;
    }
}
