using System.Globalization;

namespace Vireo.Cli.Options;

/// <summary>
/// Parses sizes and addresses given on the command line: "256M", "4G", "1024K", "1T", "512MiB", plain bytes
/// ("65536"), hexadecimal ("0x88000000"). Suffixes are binary (K = 1024) and case-insensitive.
/// </summary>
internal static class SizeParser
{
    /// <summary>Parses <paramref name="text"/> or throws a <see cref="UserErrorException"/> naming <paramref name="option"/>.</summary>
    public static ulong Parse(string? text, string option)
    {
        if (!TryParse(text, out ulong value))
        {
            throw new UserErrorException(
                $"{option}: '{text}' is not a size (use bytes or a number with K, M, G or T, e.g. 256M or 4G).");
        }

        return value;
    }

    /// <summary>Parses a size; false on junk, negative numbers or overflow.</summary>
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
            return ulong.TryParse(span[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        int digits = 0;
        while (digits < span.Length && char.IsAsciiDigit(span[digits]))
        {
            digits++;
        }

        if (digits == 0 || !ulong.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
        {
            return false;
        }

        ReadOnlySpan<char> suffix = span[digits..];
        int shift;
        if (suffix.IsEmpty || suffix.Equals("B", StringComparison.OrdinalIgnoreCase))
        {
            shift = 0;
        }
        else
        {
            shift = char.ToUpperInvariant(suffix[0]) switch
            {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => -1,
            };
            ReadOnlySpan<char> rest = suffix[1..];
            if (shift < 0 || !(rest.IsEmpty || rest.Equals("B", StringComparison.OrdinalIgnoreCase) || rest.Equals("iB", StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        if (shift > 0 && number > ulong.MaxValue >> shift)
        {
            return false;
        }

        value = number << shift;
        return true;
    }
}
