namespace Vireo.Daemon.Api;

/// <summary>Options of stop and restart (query string <c>?force=true&amp;timeout=30</c>).</summary>
internal static class StopRequest
{
    public static (Host.Lifecycle.VmStopMode Mode, TimeSpan? Timeout) Parse(bool? force, double? timeout)
    {
        if (timeout is { } seconds && (double.IsNaN(seconds) || seconds < 0 || seconds > 3600))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "timeout must be between 0 and 3600 seconds");
        }

        return (force == true ? Host.Lifecycle.VmStopMode.Force : Host.Lifecycle.VmStopMode.Graceful, timeout is null ? null : TimeSpan.FromSeconds(timeout.Value));
    }
}
