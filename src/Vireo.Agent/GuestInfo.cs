using System.Text.Json;

namespace Vireo.Agent;

/// <summary>What the agent's info operation reports (the raw JSON is in <see cref="Json"/>).</summary>
public sealed record GuestInfo(
    string Kernel,
    string Hostname,
    double UptimeSeconds,
    IReadOnlyList<double> Load,
    long MemoryTotalKiB,
    long MemoryAvailableKiB,
    IReadOnlyList<GuestMount> Mounts,
    IReadOnlyList<GuestAddress> Addresses,
    string Json)
{
    internal static GuestInfo Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        var mounts = new List<GuestMount>();
        foreach (JsonElement m in root.GetProperty("mounts").EnumerateArray())
        {
            mounts.Add(new GuestMount(m.GetProperty("device").GetString()!, m.GetProperty("path").GetString()!, m.GetProperty("type").GetString()!));
        }

        var addresses = new List<GuestAddress>();
        foreach (JsonElement a in root.GetProperty("addresses").EnumerateArray())
        {
            addresses.Add(new GuestAddress(a.GetProperty("interface").GetString()!, a.GetProperty("address").GetString()!));
        }

        var load = new List<double>();
        foreach (JsonElement l in root.GetProperty("load").EnumerateArray())
        {
            load.Add(l.GetDouble());
        }

        JsonElement memory = root.GetProperty("memory");
        return new GuestInfo(
            root.GetProperty("kernel").GetString()!,
            root.GetProperty("hostname").GetString()!,
            root.GetProperty("uptimeSeconds").GetDouble(),
            load,
            memory.GetProperty("totalKiB").GetInt64(),
            memory.GetProperty("availableKiB").GetInt64(),
            mounts,
            addresses,
            json);
    }
}
