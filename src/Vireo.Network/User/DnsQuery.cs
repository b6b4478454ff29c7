namespace Vireo.Network.User;

/// <summary>A guest DNS query in flight to a host resolver, under the forwarder's own query id.</summary>
internal sealed class DnsQuery
{
    public DnsQuery(uint guestIp, ushort guestPort, byte[] message, int questionEnd)
    {
        GuestIp = guestIp;
        GuestPort = guestPort;
        Message = message;
        QuestionEnd = questionEnd;
    }

    public uint GuestIp { get; }

    public ushort GuestPort { get; }

    /// <summary>The query as the guest sent it (with the guest's id).</summary>
    public byte[] Message { get; }

    public int QuestionEnd { get; }

    public int ResolverIndex { get; set; }

    public long Deadline { get; set; }
}
