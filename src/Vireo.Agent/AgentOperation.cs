namespace Vireo.Agent;

/// <summary>Operations of a request frame.</summary>
public enum AgentOperation : byte
{
    /// <summary>Readiness check; answers the agent's version string.</summary>
    Ping = 1,

    /// <summary>Runs a process with streamed stdio.</summary>
    Exec = 2,

    /// <summary>Streams a guest file to the host.</summary>
    ReadFile = 3,

    /// <summary>Streams a host file into the guest (temporary file, fsync, rename).</summary>
    WriteFile = 4,

    /// <summary>Orderly power-off (0) or reboot (1).</summary>
    Shutdown = 5,

    /// <summary>Sets the guest's real-time clock.</summary>
    TimeSync = 6,

    /// <summary>Kernel, uptime, memory, load, mounts and addresses as JSON.</summary>
    Info = 7,
}
