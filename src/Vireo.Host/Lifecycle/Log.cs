using Microsoft.Extensions.Logging;

namespace Vireo.Host.Lifecycle;

/// <summary>The host layer's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "VM {Vm}: {From} -> {To} ({Reason})")]
    public static partial void StateChanged(ILogger logger, string vm, VmState from, VmState to, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "VM {Vm}: the guest did not power off within {Seconds} s; forcing the stop")]
    public static partial void GracefulStopTimedOut(ILogger logger, string vm, double seconds);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "VM {Vm}: run ended on an internal error")]
    public static partial void RunFailed(ILogger logger, Exception exception, string vm);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "VM {Vm}: releasing its resources failed")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, string vm);
}
