namespace Vireo.Cli.Vm;

/// <summary>The daemon could not be reached.</summary>
internal sealed class DaemonUnavailableException(string message) : Exception(message);
