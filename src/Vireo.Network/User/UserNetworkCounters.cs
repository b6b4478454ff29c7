namespace Vireo.Network.User;

/// <summary>
/// What the user-mode NAT did and refused. Written by the back-end's event loop (and the enqueueing guest thread),
/// readable from any thread.
/// </summary>
public sealed class UserNetworkCounters
{
    private long _framesFromGuest;
    private long _framesToGuest;
    private long _droppedMalformed;
    private long _droppedUnsupported;
    private long _droppedPolicy;
    private long _droppedLimit;
    private long _droppedGuestBusy;
    private long _droppedQueueFull;
    private long _tcpConnections;
    private long _tcpRetransmissions;
    private long _udpFlows;
    private long _dnsQueries;
    private long _dnsFailures;
    private long _dhcpReplies;
    private long _internalErrors;
    private long _fragments;
    private long _reassembled;
    private long _reassemblyFailures;

    public long FramesFromGuest => Volatile.Read(ref _framesFromGuest);

    public long FramesToGuest => Volatile.Read(ref _framesToGuest);

    /// <summary>Frames or packets that failed a length, version, option or checksum check.</summary>
    public long DroppedMalformed => Volatile.Read(ref _droppedMalformed);

    /// <summary>Well-formed traffic the stack does not handle (IPv6, non-UDP fragments, unknown protocols or addresses).</summary>
    public long DroppedUnsupported => Volatile.Read(ref _droppedUnsupported);

    /// <summary>Connections and datagrams refused by <c>restrict=on</c>.</summary>
    public long DroppedPolicy => Volatile.Read(ref _droppedPolicy);

    /// <summary>Connections and datagrams refused because the per-VM flow limit was reached.</summary>
    public long DroppedLimit => Volatile.Read(ref _droppedLimit);

    /// <summary>Frames the guest NIC could not take (no receive buffer); TCP retransmits them.</summary>
    public long DroppedGuestBusy => Volatile.Read(ref _droppedGuestBusy);

    /// <summary>Guest frames dropped because the event loop's input queue was full.</summary>
    public long DroppedQueueFull => Volatile.Read(ref _droppedQueueFull);

    public long TcpConnections => Volatile.Read(ref _tcpConnections);

    public long TcpRetransmissions => Volatile.Read(ref _tcpRetransmissions);

    public long UdpFlows => Volatile.Read(ref _udpFlows);

    public long DnsQueries => Volatile.Read(ref _dnsQueries);

    /// <summary>DNS queries answered with SERVFAIL or REFUSED by the forwarder itself.</summary>
    public long DnsFailures => Volatile.Read(ref _dnsFailures);

    public long DhcpReplies => Volatile.Read(ref _dhcpReplies);

    /// <summary>IPv4 fragments of UDP datagrams from the guest.</summary>
    public long Fragments => Volatile.Read(ref _fragments);

    /// <summary>UDP datagrams put back together from fragments and handled whole.</summary>
    public long DatagramsReassembled => Volatile.Read(ref _reassembled);

    /// <summary>Datagrams whose fragments were dropped: overlap, inconsistency, too many, timeout or table full.</summary>
    public long ReassemblyFailures => Volatile.Read(ref _reassemblyFailures);

    /// <summary>Bugs caught at the event loop's top level (should stay 0).</summary>
    public long InternalErrors => Volatile.Read(ref _internalErrors);

    /// <summary>Sum of every drop counter.</summary>
    public long TotalDropped => DroppedMalformed + DroppedUnsupported + DroppedPolicy + DroppedLimit +
        DroppedGuestBusy + DroppedQueueFull;

    internal void FrameFromGuest() => Interlocked.Increment(ref _framesFromGuest);

    internal void FrameToGuest() => Interlocked.Increment(ref _framesToGuest);

    internal void Malformed() => Interlocked.Increment(ref _droppedMalformed);

    internal void Unsupported() => Interlocked.Increment(ref _droppedUnsupported);

    internal void Policy() => Interlocked.Increment(ref _droppedPolicy);

    internal void Limit() => Interlocked.Increment(ref _droppedLimit);

    internal void GuestBusy() => Interlocked.Increment(ref _droppedGuestBusy);

    internal void QueueFull() => Interlocked.Increment(ref _droppedQueueFull);

    internal void TcpConnection() => Interlocked.Increment(ref _tcpConnections);

    internal void TcpRetransmission() => Interlocked.Increment(ref _tcpRetransmissions);

    internal void UdpFlow() => Interlocked.Increment(ref _udpFlows);

    internal void DnsQuery() => Interlocked.Increment(ref _dnsQueries);

    internal void DnsFailure() => Interlocked.Increment(ref _dnsFailures);

    internal void DhcpReply() => Interlocked.Increment(ref _dhcpReplies);

    internal void InternalError() => Interlocked.Increment(ref _internalErrors);

    internal void Fragment() => Interlocked.Increment(ref _fragments);

    internal void Reassembled() => Interlocked.Increment(ref _reassembled);

    internal void ReassemblyFailed() => Interlocked.Increment(ref _reassemblyFailures);
}
