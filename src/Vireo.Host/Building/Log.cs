using Microsoft.Extensions.Logging;

namespace Vireo.Host.Building;

/// <summary>The builder's log messages (source-generated, so a disabled level costs nothing).</summary>
internal static partial class Log
{
    /// <summary>Event id of an image-open warning (a damaged image opened read-only...).</summary>
    public const int DiskWarningId = 101;

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "device: {Message}")]
    public static partial void DeviceDiagnostic(ILogger logger, string message);

    [LoggerMessage(EventId = DiskWarningId, Level = LogLevel.Warning, Message = "--disk {Message} (disks[{Index}])")]
    public static partial void DiskWarning(ILogger logger, int index, string message);
}
