using System.Globalization;
using Vireo.Cli.Options;
using Vireo.Devices.Virtio.Balloon;

namespace Vireo.Cli.Run;

/// <summary>
/// Parses a <c>--balloon [deflate-on-oom=on|off][,free-page-reporting=on|off][,stats-interval=2s][,size=SIZE]</c>
/// value into <see cref="BalloonOptions"/>; an empty value takes every default.
/// </summary>
internal static class BalloonSpec
{
    private const string Usage = "deflate-on-oom=on|off, free-page-reporting=on|off, stats-interval=DURATION (2s, 500ms, 0), size=SIZE";

    /// <summary>Parses <paramref name="text"/>; bad input raises <see cref="UserErrorException"/> with one line.</summary>
    public static BalloonOptions Parse(string? text)
    {
        var options = new BalloonOptions();
        if (string.IsNullOrWhiteSpace(text))
        {
            return options;
        }

        foreach (string part in text.Split(','))
        {
            string[] pair = part.Split('=', 2);
            string value = pair.Length == 2 ? pair[1] : string.Empty;
            options = pair[0] switch
            {
                "deflate-on-oom" when value is "on" or "off" => options with { DeflateOnOom = value == "on" },
                "free-page-reporting" when value is "on" or "off" => options with { FreePageReporting = value == "on" },
                "stats-interval" => options with { StatsInterval = ParseDuration(value) },
                "size" => options with { InitialTargetBytes = SizeParser.Parse(value, "--balloon size") },
                _ => throw new UserErrorException($"--balloon: unknown option '{part}' ({Usage})"),
            };
        }

        return options;
    }

    /// <summary>"2s", "500ms", "1m" or "0"; at most an hour.</summary>
    private static TimeSpan ParseDuration(string value)
    {
        (string digits, double scale) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 1.0)
            : value.EndsWith('s') ? (value[..^1], 1000.0)
            : value.EndsWith('m') ? (value[..^1], 60_000.0)
            : (value, value == "0" ? 0.0 : double.NaN);
        if (double.IsNaN(scale) || !uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out uint number) || number * scale > 3_600_000)
        {
            throw new UserErrorException($"--balloon: stats-interval '{value}' is not a duration (e.g. 2s, 500ms, or 0 for none)");
        }

        return TimeSpan.FromMilliseconds(number * scale);
    }
}
