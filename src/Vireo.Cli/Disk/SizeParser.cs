using System.Globalization;

namespace Vireo.Cli.Disk;

/// <summary>Parses disk sizes such as <c>1G</c>, <c>512M</c>, <c>64k</c> or <c>1048576</c> (binary units).</summary>
internal static class SizeParser
{
    public static ulong Parse(string text)
    {
        string value = text.Trim();
        int shift = 0;
        if (value.Length > 0 && char.IsLetter(value[^1]))
        {
            string unit = value.TrimStart("0123456789.".ToCharArray()).ToUpperInvariant();
            shift = unit switch
            {
                "B" => 0,
                "K" or "KB" or "KIB" => 10,
                "M" or "MB" or "MIB" => 20,
                "G" or "GB" or "GIB" => 30,
                "T" or "TB" or "TIB" => 40,
                "P" or "PB" or "PIB" => 50,
                _ => throw new UserErrorException($"bad size '{text}': unknown unit '{unit}' (use K, M, G, T)"),
            };
            value = value[..^unit.Length];
        }

        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number) || number <= 0)
        {
            throw new UserErrorException($"bad size '{text}': expected a positive number with an optional unit (K, M, G, T)");
        }

        decimal bytes = number * (1UL << shift);
        if (bytes > (1UL << 56))
        {
            throw new UserErrorException($"size '{text}' is too large (at most 64 PiB)");
        }

        return (ulong)decimal.Ceiling(bytes);
    }

    /// <summary>Formats a byte count for humans: "1 GiB", "1.5 MiB", "512 B".</summary>
    public static string Format(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? $"{bytes} B"
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]}");
    }
}
