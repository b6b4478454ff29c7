namespace Vireo.Core.Throttling;

/// <summary>
/// A parsed <c>--disk-budget PATH=BPS,IOPS</c>: the bytes and operations per second the host file system holding
/// PATH gives all VMs' disks together (either may be 0 for no limit, not both). Disks whose image lies under PATH
/// share it (<see cref="Covers"/>).
/// </summary>
/// <param name="Path">A directory on the host file system (its mount point, or any directory the images are under).</param>
/// <param name="BytesPerSecond">Bandwidth of the budget; 0 = not limited.</param>
/// <param name="OperationsPerSecond">Requests per second of the budget; 0 = not limited.</param>
public sealed record DiskBudgetOptions(string Path, long BytesPerSecond, long OperationsPerSecond)
{
    private const string Usage = "PATH=BPS,IOPS, for example /var/lib/vireo=200M,5000 (0 for no limit)";

    /// <summary>The budget as buckets (100 ms deep, no burst).</summary>
    public RateLimitOptions Limits => RateLimitOptions.PerSecond(BytesPerSecond, OperationsPerSecond)
        ?? throw new InvalidOperationException("a disk budget limits bytes, operations or both");

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> with a one-line message.</summary>
    public static DiskBudgetOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int eq = text.LastIndexOf('=');
        if (eq <= 0)
        {
            throw new FormatException($"--disk-budget '{text}': expected {Usage}");
        }

        string path = text[..eq];
        string[] numbers = text[(eq + 1)..].Split(',');
        if (numbers.Length != 2)
        {
            throw new FormatException($"--disk-budget '{text}': expected {Usage}");
        }

        long bps = ParseNumber(text, numbers[0]);
        long iops = ParseNumber(text, numbers[1]);
        if (bps == 0 && iops == 0)
        {
            throw new FormatException($"--disk-budget '{text}': a budget of 0 bytes and 0 operations limits nothing");
        }

        return new DiskBudgetOptions(System.IO.Path.GetFullPath(path), bps, iops);
    }

    /// <summary>True when <paramref name="imagePath"/> lies under <see cref="Path"/>.</summary>
    public bool Covers(string imagePath)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        string full = System.IO.Path.GetFullPath(imagePath);
        string root = Path.EndsWith('/') ? Path : Path + "/";
        return full.StartsWith(root, StringComparison.Ordinal) || full == Path;
    }

    private static long ParseNumber(string whole, string number)
    {
        if (number == "0")
        {
            return 0;
        }

        return RateValue.TryParse(number, out long value)
            ? value
            : throw new FormatException($"--disk-budget '{whole}': '{number}' is not a number (K, M, G suffixes allowed)");
    }
}
