using Vireo.Core.Throttling;

namespace Vireo.Cli.Run;

/// <summary>
/// The rate-limit keys of <c>--disk</c>: <c>bps</c>/<c>iops</c> (reads and writes together), <c>rbps</c>/<c>riops</c>
/// (reads), <c>wbps</c>/<c>wiops</c> (writes), <c>burst</c> (a one-time burst of bytes on each bandwidth limit given)
/// and <c>weight</c> (1-10000, the disk's share of a contended host budget). Numbers take K, M, G suffixes (1024).
/// </summary>
internal sealed class DiskLimitParser
{
    /// <summary>The keys, for usage messages.</summary>
    public const string Usage = "bps=, rbps=, wbps=, iops=, riops=, wiops=, burst=, weight=1-10000";

    private readonly string _path;
    private long _bps;
    private long _rbps;
    private long _wbps;
    private long _iops;
    private long _riops;
    private long _wiops;
    private long _burst;
    private int _weight = DiskLimitOptions.DefaultWeight;

    public DiskLimitParser(string path) => _path = path;

    /// <summary>True when <paramref name="key"/> is a limit key (and stores its value); bad values throw a one-line error.</summary>
    public bool TryAdd(string key, string value)
    {
        switch (key)
        {
            case "bps": _bps = Number(key, value); return true;
            case "rbps": _rbps = Number(key, value); return true;
            case "wbps": _wbps = Number(key, value); return true;
            case "iops": _iops = Number(key, value); return true;
            case "riops": _riops = Number(key, value); return true;
            case "wiops": _wiops = Number(key, value); return true;
            case "burst": _burst = Number(key, value); return true;
            case "weight":
                if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _weight) ||
                    _weight is < DiskLimitOptions.MinWeight or > DiskLimitOptions.MaxWeight)
                {
                    throw new UserErrorException($"--disk {_path}: weight must be {DiskLimitOptions.MinWeight} to {DiskLimitOptions.MaxWeight} (got '{value}')");
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>The limits given (<see cref="DiskLimitOptions.None"/> when none).</summary>
    public DiskLimitOptions Build()
    {
        if (_burst > 0 && _bps == 0 && _rbps == 0 && _wbps == 0)
        {
            throw new UserErrorException($"--disk {_path}: burst= needs a bandwidth limit (bps=, rbps= or wbps=)");
        }

        var limits = new DiskLimitOptions(
            RateLimitOptions.PerSecond(_bps, _iops, _burst),
            RateLimitOptions.PerSecond(_rbps, _riops, _burst),
            RateLimitOptions.PerSecond(_wbps, _wiops, _burst),
            _weight);
        return limits == DiskLimitOptions.None ? DiskLimitOptions.None : limits;
    }

    private long Number(string key, string value) => RateValue.TryParse(value, out long number)
        ? number
        : throw new UserErrorException($"--disk {_path}: {key}= must be a positive number (K, M, G suffixes allowed), not '{value}'");
}
