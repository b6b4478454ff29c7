using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vireo.Host.Specs;

/// <summary>The one JSON shape of a <see cref="VmSpec"/> (API bodies, the daemon's database): snake_case, nulls left out.</summary>
public static class VmSpecJson
{
    /// <summary>Serializer options shared by every reader and writer of specs.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 16,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Serializes a spec.</summary>
    public static string Serialize(VmSpec spec) => JsonSerializer.Serialize(spec, Options);

    /// <summary>Parses a spec; malformed JSON or unknown fields raise <see cref="VmSpecException"/> with the JSON path.</summary>
    public static VmSpec Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<VmSpec>(json, Options) ?? throw new VmSpecException("the body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new VmSpecException([new SpecError(e.Path ?? "$", FirstLine(e.Message))]);
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
