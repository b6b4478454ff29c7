using System.Globalization;

namespace Vireo.Cli.Options;

/// <summary>
/// The one size grammar of every option (<c>--memory</c>, <c>disk create --size</c>, <c>--cluster-size</c>, addresses):
/// plain bytes ("65536"), hexadecimal ("0x88000000"), or a number with an optional decimal fraction and a binary
/// suffix K, M, G, T or P (K = 1024; case-insensitive; "B", "KB" and "KiB" spellings too): "256M", "1.5G", "64P".
/// The result must be a whole number of bytes that fits in 64 bits. Range checks belong to each option.
/// </summary>
internal static class SizeParser
{
    /// <summary>The grammar, for error messages.</summary>
    public const string Grammar = "bytes, hex (0x100000), or a number with an optional fraction and K, M, G, T or P, e.g. 512M or 1.5G";

    /// <summary>Parses <paramref name="text"/> or throws a <see cref="UserErrorException"/> naming <paramref name="option"/>.</summary>
    public static ulong Parse(string? text, string option)
    {
        if (!TryParse(text, out ulong value))
        {
            throw new UserErrorException($"{option}: '{text}' is not a size ({Grammar}).");
        }

        return value;
    }

    /// <summary>Parses a size; false on junk, negative numbers, fractions of a byte or overflow.</summary>
    public static bool TryParse(string? text, out ulong value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        ReadOnlySpan<char> span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return span.Length > 2 && ulong.TryParse(span[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        int end = 0;
        while (end < span.Length && char.IsAsciiDigit(span[end]))
        {
            end++;
        }

        int integerDigits = end;
        if (end < span.Length && span[end] == '.')
        {
            end++;
            while (end < span.Length && char.IsAsciiDigit(span[end]))
            {
                end++;
            }

            if (end == integerDigits + 1)
            {
                return false; // "1." or ".": a point needs digits after it
            }
        }

        if (integerDigits == 0 || !TryShift(span[end..], out int shift))
        {
            return false;
        }

        if (!ulong.TryParse(span[..integerDigits], NumberStyles.None, CultureInfo.InvariantCulture, out ulong whole) || whole > ulong.MaxValue >> shift)
        {
            return false;
        }

        // At most 64 bits times 2^50: decimal (96-bit mantissa) holds it exactly, with room for the fraction's digits.
        decimal number = decimal.Parse(span[..end], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        decimal bytes = number * (1UL << shift);
        if (bytes != decimal.Truncate(bytes) || bytes > ulong.MaxValue)
        {
            return false;
        }

        value = (ulong)bytes;
        return true;
    }

    /// <summary>Formats a byte count for humans: "1 GiB", "1.5 MiB", "512 B".</summary>
    public static string Format(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
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

    private static bool TryShift(ReadOnlySpan<char> suffix, out int shift)
    {
        shift = 0;
        if (suffix.IsEmpty || suffix.Equals("B", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        shift = char.ToUpperInvariant(suffix[0]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            'P' => 50,
            _ => -1,
        };
        ReadOnlySpan<char> rest = suffix[1..];
        return shift > 0
            && (rest.IsEmpty || rest.Equals("B", StringComparison.OrdinalIgnoreCase) || rest.Equals("iB", StringComparison.OrdinalIgnoreCase));
    }
}
