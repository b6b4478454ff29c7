using Microsoft.Extensions.Logging;

namespace Vireo.Cli.Run;

/// <summary>
/// Logging for the one-VM commands: warnings and errors go to stderr as one <c>vireo: message</c> line each, as the
/// CLI's other messages do; information (state changes) stays quiet.
/// </summary>
internal sealed class StderrLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => StderrLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class StderrLogger : ILogger
    {
        public static readonly StderrLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string message = formatter(state, exception);

            // Device diagnostics arrive as "device: ..."; the CLI always printed them bare.
            if (message.StartsWith("device: ", StringComparison.Ordinal))
            {
                message = message["device: ".Length..];
            }

            // The open layer's warnings about images read as the CLI's other warnings do.
            string prefix = eventId.Id == Vireo.Host.Building.VmBuilder.DiskWarningEventId ? "warning: " : string.Empty;
            System.Console.Error.WriteLine($"vireo: {prefix}{message}");
        }
    }
}
