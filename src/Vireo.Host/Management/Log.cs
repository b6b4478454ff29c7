using Microsoft.Extensions.Logging;

namespace Vireo.Host.Management;

/// <summary>The manager's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "VM {Vm}: autostart failed: {Reason}")]
    public static partial void AutostartFailed(ILogger logger, Exception exception, string vm, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "VM {Vm}: the state store failed")]
    public static partial void StoreFailed(ILogger logger, Exception exception, string vm);
}
