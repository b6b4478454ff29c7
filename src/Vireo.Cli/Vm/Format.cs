using System.Globalization;
using Vireo.Host.Lifecycle;

namespace Vireo.Cli.Vm;

/// <summary>How the client prints states, sizes and durations.</summary>
internal static class Format
{
    public static string State(VmState state) => state.ToString().ToLowerInvariant();

    public static string Size(ulong bytes) => bytes switch
    {
        >= 1UL << 30 when bytes % (1UL << 30) == 0 => $"{bytes >> 30}G",
        >= 1UL << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1UL << 20):0.#}M"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#}K"),
    };

    public static string Exit(VmExit? exit) => exit is null ? "-" : $"{exit.Kind.ToString().ToLowerInvariant()}{(exit.Code != 0 ? $" ({exit.Code})" : string.Empty)}";
}
