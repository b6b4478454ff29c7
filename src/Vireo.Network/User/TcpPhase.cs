namespace Vireo.Network.User;

/// <summary>
/// Where a NAT'd TCP connection is in its life. The closing states of RFC 9293 (FIN-WAIT, CLOSE-WAIT, ...) are
/// tracked by flags inside <see cref="Established"/>; <see cref="TcpConnection.StateName"/> reports them.
/// </summary>
internal enum TcpPhase
{
    /// <summary>The guest sent a SYN; the host connection is being opened (no SYN-ACK yet).</summary>
    Connecting,

    /// <summary>SYN-ACK sent to the guest, waiting for its ACK.</summary>
    SynReceived,

    /// <summary>A forwarded host connection: SYN sent to the guest, waiting for its SYN-ACK.</summary>
    SynSent,

    Established,

    TimeWait,

    Closed,
}
