namespace Vireo.Agent;

/// <summary>Frame types of the guest agent protocol, version 1 (docs/agent.md).</summary>
public enum AgentFrameType : byte
{
    /// <summary>Host → agent, first frame of a connection: version, operation, operation fields.</summary>
    Request = 0x01,

    /// <summary>Agent → host: success (payload depends on the operation).</summary>
    Ok = 0x02,

    /// <summary>Host → agent: bytes for the process's stdin; empty means end of input.</summary>
    Stdin = 0x10,

    /// <summary>Host → agent: le32 signal number for the process group.</summary>
    Signal = 0x11,

    /// <summary>Host → agent: le32 rows, le32 columns for the pty.</summary>
    Resize = 0x12,

    /// <summary>Agent → host: le32 pid; the process runs.</summary>
    Started = 0x20,

    /// <summary>Agent → host: stdout bytes (with a tty, all output).</summary>
    Stdout = 0x21,

    /// <summary>Agent → host: stderr bytes.</summary>
    Stderr = 0x22,

    /// <summary>Agent → host: u8 kind (0 exited, 1 killed by a signal), le32 code; the last frame of an exec.</summary>
    Exit = 0x23,

    /// <summary>Agent → host: le32 mode, le64 size, before a file's data.</summary>
    FileInfo = 0x30,

    /// <summary>File bytes, either direction.</summary>
    Data = 0x31,

    /// <summary>End of a file's data, either direction.</summary>
    End = 0x32,

    /// <summary>Agent → host: a one-line error message; the last frame of a request.</summary>
    Error = 0x7f,
}
