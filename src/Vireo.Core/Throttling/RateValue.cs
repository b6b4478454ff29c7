using System.Globalization;

namespace Vireo.Core.Throttling;

/// <summary>
/// Parses the numbers of rate options (<c>bps=20M</c>, <c>iops=500</c>, <c>burst=50M</c>): a whole or decimal number
/// with an optional K, M, G or T suffix (powers of 1024, as every size in Vireo), at least 1.
/// </summary>
public static class RateValue
{
    /// <summary>True and the value when <paramref name="text"/> is a positive number with an optional suffix.</summary>
    public static bool TryParse(string text, out long value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = 0;
        if (text.Length == 0)
        {
            return false;
        }

        long unit = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            'T' => 1L << 40,
            _ => 1,
        };
        string number = unit == 1 ? text : text[..^1];
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal parsed))
        {
            return false;
        }

        decimal result = parsed * unit;
        if (result < 1 || result > long.MaxValue / 2)
        {
            return false;
        }

        value = (long)result;
        return true;
    }
}
