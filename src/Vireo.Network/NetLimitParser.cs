using Vireo.Core.Throttling;

namespace Vireo.Network;

/// <summary>
/// The rate-limit keys of <c>--net</c>: <c>bps</c>/<c>pps</c> (bytes and packets per second, each way),
/// <c>txbps</c>/<c>txpps</c> (from the guest) and <c>rxbps</c>/<c>rxpps</c> (to the guest) overriding them, and
/// <c>burst</c> (a one-time burst of bytes on each bandwidth limit). Numbers take K, M, G suffixes (1024).
/// </summary>
internal sealed class NetLimitParser
{
    /// <summary>The keys, for usage messages.</summary>
    public const string Usage = "bps=, pps=, txbps=, txpps=, rxbps=, rxpps=, burst=";

    private long _bps;
    private long _pps;
    private long _txBps;
    private long _txPps;
    private long _rxBps;
    private long _rxPps;
    private long _burst;

    /// <summary>True when <paramref name="key"/> is a limit key (and stores its value); bad values throw.</summary>
    public bool TryAdd(string key, string value)
    {
        switch (key)
        {
            case "bps": _bps = Number(key, value); return true;
            case "pps": _pps = Number(key, value); return true;
            case "txbps": _txBps = Number(key, value); return true;
            case "txpps": _txPps = Number(key, value); return true;
            case "rxbps": _rxBps = Number(key, value); return true;
            case "rxpps": _rxPps = Number(key, value); return true;
            case "burst": _burst = Number(key, value); return true;
            default: return false;
        }
    }

    /// <summary>The limits given (<see cref="NetLimitOptions.None"/> when none).</summary>
    public NetLimitOptions Build()
    {
        long txBps = _txBps != 0 ? _txBps : _bps;
        long rxBps = _rxBps != 0 ? _rxBps : _bps;
        if (_burst > 0 && txBps == 0 && rxBps == 0)
        {
            throw new NetworkOptionsException("--net: burst= needs a bandwidth limit (bps=, txbps= or rxbps=)");
        }

        var limits = new NetLimitOptions(
            RateLimitOptions.PerSecond(txBps, _txPps != 0 ? _txPps : _pps, _burst),
            RateLimitOptions.PerSecond(rxBps, _rxPps != 0 ? _rxPps : _pps, _burst));
        return limits.IsUnlimited ? NetLimitOptions.None : limits;
    }

    private static long Number(string key, string value) => RateValue.TryParse(value, out long number)
        ? number
        : throw new NetworkOptionsException($"--net: {key}= must be a positive number (K, M, G suffixes allowed), not '{value}'");
}
