using Microsoft.Extensions.Logging;

namespace Vireo.Host.Building;

/// <summary>The builder's log messages (source-generated, so a disabled level costs nothing).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "device: {Message}")]
    public static partial void DeviceDiagnostic(ILogger logger, string message);
}
