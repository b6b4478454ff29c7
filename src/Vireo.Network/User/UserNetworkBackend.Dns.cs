using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>The DNS forwarder at 10.0.2.3: relays guest queries to the host's resolvers over UDP.</summary>
public sealed partial class UserNetworkBackend
{
    private const int MaxDnsInFlight = 256;
    private const int MaxDnsReply = 1472;

    private readonly Dictionary<ushort, DnsQuery> _dnsInFlight = [];
    private readonly List<ushort> _dnsExpired = [];
    private readonly byte[] _dnsReceive = new byte[65536];
    private Socket? _dnsSocket;
    private ushort _nextDnsId;

    private void HandleDnsQuery(uint guestIp, ushort guestPort, ReadOnlySpan<byte> query)
    {
        if (!DnsMessage.TryReadQuery(query, out int questionEnd))
        {
            Counters.Malformed();
            return;
        }

        Counters.DnsQuery();
        if (Options.Restrict)
        {
            Counters.Policy();
            AnswerDnsError(guestIp, guestPort, query, questionEnd, DnsMessage.RcodeRefused);
            return;
        }

        if (DnsServers.Count == 0 || _dnsInFlight.Count >= MaxDnsInFlight || !EnsureDnsSocket())
        {
            AnswerDnsError(guestIp, guestPort, query, questionEnd, DnsMessage.RcodeServerFailure);
            return;
        }

        ushort id;
        do
        {
            id = _nextDnsId++;
        }
        while (_dnsInFlight.ContainsKey(id));

        var pending = new DnsQuery(guestIp, guestPort, query.ToArray(), questionEnd);
        _dnsInFlight.Add(id, pending);
        SendDnsQuery(id, pending);
    }

    private void SendDnsQuery(ushort id, DnsQuery pending)
    {
        pending.Deadline = NowMs + (long)Options.DnsTimeout.TotalMilliseconds;
        byte[] message = pending.Message;
        ushort guestId = BinaryPrimitives.ReadUInt16BigEndian(message);
        // The forwarder's own id keeps queries from different guest sockets apart; the guest's id is restored later.
        BinaryPrimitives.WriteUInt16BigEndian(message, id);
        try
        {
            _dnsSocket!.SendTo(message, SocketFlags.None, DnsServers[pending.ResolverIndex]);
        }
        catch (SocketException)
        {
            // Unreachable resolver: the timeout moves on to the next one.
        }

        BinaryPrimitives.WriteUInt16BigEndian(message, guestId);
    }

    private bool EnsureDnsSocket()
    {
        if (_dnsSocket is not null)
        {
            return true;
        }

        try
        {
            _dnsSocket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _dnsSocket.Bind(new IPEndPoint(IPAddress.Any, 0));
        }
        catch (SocketException)
        {
            _dnsSocket?.Dispose();
            _dnsSocket = null;
            return false;
        }

        StartDnsRead(_dnsSocket);
        return true;
    }

    private void StartDnsRead(Socket socket)
    {
        _ = ReadAsync();

        async Task ReadAsync()
        {
            while (true)
            {
                SocketReceiveFromResult result;
                try
                {
                    result = await socket.ReceiveFromAsync(_dnsReceive, SocketFlags.None,
                        new IPEndPoint(IPAddress.Any, 0)).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                // DNS replies are small and rare: a copy lets the next receive start at once.
                var from = (IPEndPoint)result.RemoteEndPoint;
                byte[] copy = _dnsReceive.AsSpan(0, result.ReceivedBytes).ToArray();
                Post(() => OnDnsReply(from, copy));
            }
        }
    }

    private void OnDnsReply(IPEndPoint from, ReadOnlySpan<byte> reply)
    {
        if (reply.Length < DnsMessage.HeaderLength)
        {
            return;
        }

        ushort id = BinaryPrimitives.ReadUInt16BigEndian(reply);
        if (!_dnsInFlight.TryGetValue(id, out DnsQuery? pending) || !from.Equals(DnsServers[pending.ResolverIndex]))
        {
            return;
        }

        _dnsInFlight.Remove(id);
        const int DataStart = EthernetHeader.Length + Ipv4Header.MinLength + UdpHeader.Length;
        Span<byte> answer = _tx.AsSpan(DataStart);
        int length;
        if (reply.Length <= MaxDnsReply)
        {
            reply.CopyTo(answer);
            length = reply.Length;
        }
        else
        {
            // Too big for one frame: the truncation bit tells the guest to retry over TCP.
            length = DnsMessage.WriteErrorResponse(pending.Message, pending.QuestionEnd, 0, answer);
            reply[2..4].CopyTo(answer[2..]);
            answer[2] |= 0x02;
        }

        BinaryPrimitives.WriteUInt16BigEndian(answer, BinaryPrimitives.ReadUInt16BigEndian(pending.Message));
        EmitUdpInPlace(GuestAddresses.Dns, 53, pending.GuestIp, pending.GuestPort, length);
    }

    private void AnswerDnsError(uint guestIp, ushort guestPort, ReadOnlySpan<byte> query, int questionEnd, int rcode)
    {
        Counters.DnsFailure();
        const int DataStart = EthernetHeader.Length + Ipv4Header.MinLength + UdpHeader.Length;
        if (questionEnd > MaxDnsReply)
        {
            return;
        }

        int length = DnsMessage.WriteErrorResponse(query, questionEnd, rcode, _tx.AsSpan(DataStart));
        EmitUdpInPlace(GuestAddresses.Dns, 53, guestIp, guestPort, length);
    }

    private void EmitUdpInPlace(uint source, ushort sourcePort, uint destination, ushort destinationPort, int length)
    {
        const int UdpStart = EthernetHeader.Length + Ipv4Header.MinLength;
        UdpHeader.Write(_tx.AsSpan(UdpStart), source, destination, sourcePort, destinationPort, length);
        EmitIp(source, destination, Ipv4Header.ProtocolUdp, UdpHeader.Length + length);
    }

    private void TickDns(long now)
    {
        if (_dnsInFlight.Count == 0)
        {
            return;
        }

        foreach (KeyValuePair<ushort, DnsQuery> entry in _dnsInFlight)
        {
            if (now >= entry.Value.Deadline)
            {
                _dnsExpired.Add(entry.Key);
            }
        }

        foreach (ushort id in _dnsExpired)
        {
            DnsQuery pending = _dnsInFlight[id];
            if (pending.ResolverIndex + 1 < DnsServers.Count)
            {
                pending.ResolverIndex++;
                SendDnsQuery(id, pending);
            }
            else
            {
                _dnsInFlight.Remove(id);
                AnswerDnsError(pending.GuestIp, pending.GuestPort, pending.Message, pending.QuestionEnd,
                    DnsMessage.RcodeServerFailure);
            }
        }

        _dnsExpired.Clear();
    }

    private void CloseDns()
    {
        _dnsSocket?.Dispose();
        _dnsSocket = null;
        _dnsInFlight.Clear();
    }
}
