namespace Vireo.Daemon.Api;

/// <summary><c>GET /v1/host</c>: the machine and the daemon.</summary>
public sealed record HostInfo(string Version, int Cpus, ulong MemoryBytes, int Vms, int VmsRunning, string StateDirectory, DateTimeOffset StartedAt);
