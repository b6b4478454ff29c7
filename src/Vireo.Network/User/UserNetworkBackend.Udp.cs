using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>UDP: the DHCP server, DNS dispatch and UDP NAT flows.</summary>
public sealed partial class UserNetworkBackend
{
    private const int DhcpServerPort = 67;
    private const int DhcpClientPort = 68;
    private const uint LeaseSeconds = 86400;

    private readonly Dictionary<FlowKey, UdpFlow> _udpFlows = [];
    private readonly List<UdpFlow> _udpExpired = [];
    private long _nextUdpScan;

    /// <summary>Number of live UDP flows (including those created by UDP forwards).</summary>
    internal int UdpFlowCount => _udpFlows.Count;

    private void HandleUdp(in EthernetHeader ethernet, in Ipv4Header ip, ReadOnlySpan<byte> packet,
        ReadOnlySpan<byte> segment)
    {
        if (!UdpHeader.TryRead(ip, segment, out UdpHeader udp, out ReadOnlySpan<byte> data))
        {
            Counters.Malformed();
            return;
        }

        bool broadcast = ip.Destination is GuestAddresses.LimitedBroadcast or GuestAddresses.Broadcast;
        if (udp.DestinationPort == DhcpServerPort &&
            (broadcast || ip.Destination == GuestAddresses.Gateway))
        {
            HandleDhcp(ethernet, data);
            return;
        }

        if (broadcast || ip.Source == 0)
        {
            Counters.Unsupported();
            return;
        }

        if (ip.Destination == GuestAddresses.Dns)
        {
            if (udp.DestinationPort == 53)
            {
                HandleDnsQuery(ip.Source, udp.SourcePort, data);
            }
            else
            {
                EmitUnreachable(packet, ip, IcmpPacket.CodePortUnreachable);
                Counters.Unsupported();
            }

            return;
        }

        var key = new FlowKey(ip.Source, udp.SourcePort, ip.Destination, udp.DestinationPort);
        if (!_udpFlows.TryGetValue(key, out UdpFlow? flow))
        {
            flow = OpenUdpFlow(key, packet, ip);
            if (flow is null)
            {
                return;
            }
        }

        flow.LastActivity = NowMs;
        try
        {
            if (flow.OwnsSocket)
            {
                flow.Socket.Send(data, SocketFlags.None, out SocketError error);
                if (error != SocketError.Success)
                {
                    Counters.GuestBusy();
                }
            }
            else
            {
                flow.Socket.SendTo(data, SocketFlags.None, flow.Target);
            }
        }
        catch (SocketException)
        {
            Counters.GuestBusy();
        }
    }

    private UdpFlow? OpenUdpFlow(in FlowKey key, ReadOnlySpan<byte> packet, in Ipv4Header ip)
    {
        if (GuestAddresses.InNetwork(key.RemoteIp) && key.RemoteIp != GuestAddresses.Gateway)
        {
            Counters.Unsupported();
            return null;
        }

        if (Options.Restrict)
        {
            Counters.Policy();
            EmitUnreachable(packet, ip, IcmpPacket.CodeAdministrativelyProhibited);
            return null;
        }

        if (_udpFlows.Count >= Options.MaxUdpFlows)
        {
            Counters.Limit();
            return null;
        }

        var target = new IPEndPoint(
            key.RemoteIp == GuestAddresses.Gateway ? IPAddress.Loopback : ToAddress(key.RemoteIp), key.RemotePort);
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
        try
        {
            socket.Connect(target);
        }
        catch (SocketException)
        {
            socket.Dispose();
            Counters.Unsupported();
            return null;
        }

        var flow = new UdpFlow(key, socket, true, target, NowMs);
        _udpFlows.Add(key, flow);
        Counters.UdpFlow();
        StartUdpRead(flow);
        return flow;
    }

    private void StartUdpRead(UdpFlow flow)
    {
        _ = ReadAsync();

        async Task ReadAsync()
        {
            int n;
            try
            {
                n = await flow.Socket.ReceiveAsync(flow.Buffer, SocketFlags.None).ConfigureAwait(false);
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionRefused)
            {
                n = -2;
            }
            catch (SocketException)
            {
                n = -1;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Post(() => OnUdpReceived(flow, n));
        }
    }

    private void OnUdpReceived(UdpFlow flow, int n)
    {
        if (flow.Closed)
        {
            return;
        }

        if (n >= 0)
        {
            flow.LastActivity = NowMs;
            EmitUdp(flow.Key.RemoteIp, flow.Key.RemotePort, flow.Key.GuestIp, flow.Key.GuestPort,
                flow.Buffer.AsSpan(0, n));
        }
        else if (n == -1)
        {
            CloseUdp(flow);
            return;
        }

        // A refused port (ICMP from the host) is not fatal for UDP: keep listening.
        StartUdpRead(flow);
    }

    /// <summary>A datagram from a host peer arrived on a UDP forward: pass it to the guest's forwarded port.</summary>
    private void OnForwardDatagram(HostForward forward, Socket listener, IPEndPoint peer, byte[] data, int n)
    {
        ushort remotePort = (ushort)peer.Port;
        var key = new FlowKey(GuestAddresses.Guest, (ushort)forward.GuestPort, GuestAddresses.Gateway, remotePort);
        if (!_udpFlows.TryGetValue(key, out UdpFlow? flow))
        {
            if (_udpFlows.Count >= Options.MaxUdpFlows)
            {
                Counters.Limit();
                return;
            }

            flow = new UdpFlow(key, listener, false, peer, NowMs);
            _udpFlows.Add(key, flow);
            Counters.UdpFlow();
        }

        flow.LastActivity = NowMs;
        EmitUdp(key.RemoteIp, key.RemotePort, key.GuestIp, key.GuestPort, data.AsSpan(0, n));
    }

    private void TickUdp(long now)
    {
        if (now < _nextUdpScan)
        {
            return;
        }

        _nextUdpScan = now + 1000;
        long idle = (long)Options.UdpIdleTimeout.TotalMilliseconds;
        foreach (UdpFlow flow in _udpFlows.Values)
        {
            if (now - flow.LastActivity > idle)
            {
                _udpExpired.Add(flow);
            }
        }

        foreach (UdpFlow flow in _udpExpired)
        {
            CloseUdp(flow);
        }

        _udpExpired.Clear();
    }

    private void CloseUdp(UdpFlow flow)
    {
        flow.Closed = true;
        _udpFlows.Remove(flow.Key);
        if (flow.OwnsSocket)
        {
            flow.Socket.Dispose();
        }
    }

    private void CloseAllUdp()
    {
        foreach (UdpFlow flow in _udpFlows.Values)
        {
            flow.Closed = true;
            if (flow.OwnsSocket)
            {
                flow.Socket.Dispose();
            }
        }

        _udpFlows.Clear();
    }

    private void HandleDhcp(in EthernetHeader ethernet, ReadOnlySpan<byte> data)
    {
        if (!DhcpMessage.TryRead(data, out DhcpMessage request) || request.Operation != 1)
        {
            Counters.Malformed();
            return;
        }

        byte replyType;
        uint yourIp = GuestAddresses.Guest;
        switch (request.MessageType)
        {
            case DhcpMessage.Discover:
                replyType = DhcpMessage.Offer;
                break;
            case DhcpMessage.Request:
                if (request.ServerId != 0 && request.ServerId != GuestAddresses.Gateway)
                {
                    // The client chose another server's offer.
                    return;
                }

                uint wanted = request.RequestedIp != 0 ? request.RequestedIp : request.ClientIp;
                replyType = wanted == GuestAddresses.Guest ? DhcpMessage.Ack : DhcpMessage.Nak;
                break;
            case DhcpMessage.Inform:
                replyType = DhcpMessage.Ack;
                yourIp = 0;
                break;
            default:
                // RELEASE and DECLINE need no answer: the one address stays reserved for this guest.
                return;
        }

        const int UdpStart = EthernetHeader.Length + Ipv4Header.MinLength;
        Span<byte> reply = _tx.AsSpan(UdpStart + UdpHeader.Length, 300);
        reply.Clear();
        reply[0] = 2;
        reply[1] = 1;
        reply[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(reply[4..], request.TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(reply[10..], request.Flags);
        BinaryPrimitives.WriteUInt32BigEndian(reply[12..], request.ClientIp);
        if (replyType != DhcpMessage.Nak)
        {
            BinaryPrimitives.WriteUInt32BigEndian(reply[16..], yourIp);
        }

        request.ClientMac.Write(reply[28..]);
        BinaryPrimitives.WriteUInt32BigEndian(reply[DhcpMessage.FixedLength..], DhcpMessage.MagicCookie);
        int o = DhcpMessage.FixedLength + 4;
        o = PutOption(reply, o, DhcpMessage.OptionMessageType, replyType, 1);
        o = PutOption(reply, o, DhcpMessage.OptionServerId, GuestAddresses.Gateway, 4);
        if (replyType != DhcpMessage.Nak)
        {
            if (yourIp != 0)
            {
                o = PutOption(reply, o, DhcpMessage.OptionLeaseTime, LeaseSeconds, 4);
                o = PutOption(reply, o, DhcpMessage.OptionRenewalTime, LeaseSeconds / 2, 4);
                o = PutOption(reply, o, DhcpMessage.OptionRebindingTime, LeaseSeconds * 7 / 8, 4);
            }

            o = PutOption(reply, o, DhcpMessage.OptionSubnetMask, GuestAddresses.Mask, 4);
            o = PutOption(reply, o, DhcpMessage.OptionRouter, GuestAddresses.Gateway, 4);
            o = PutOption(reply, o, DhcpMessage.OptionDnsServer, GuestAddresses.Dns, 4);
        }

        reply[o++] = 255;
        int length = Math.Max(o, 300);
        uint destination = request.ClientIp != 0 && replyType != DhcpMessage.Nak
            ? request.ClientIp
            : GuestAddresses.LimitedBroadcast;
        UdpHeader.Write(_tx.AsSpan(UdpStart), GuestAddresses.Gateway, destination, DhcpServerPort, DhcpClientPort,
            length);
        Ipv4Header.Write(_tx.AsSpan(EthernetHeader.Length), GuestAddresses.Gateway, destination,
            Ipv4Header.ProtocolUdp, UdpHeader.Length + length, _ipId++);
        // Addressed to the client's hardware address: it has no IP address to ARP for yet.
        new EthernetHeader(request.ClientMac, GuestAddresses.GatewayMac, EthernetHeader.TypeIpv4).Write(_tx);
        Counters.DhcpReply();
        DeliverRaw(UdpStart + UdpHeader.Length + length);
        LearnGuestMac(ethernet.Source);
    }

    private static int PutOption(Span<byte> options, int offset, byte code, uint value, int length)
    {
        options[offset] = code;
        options[offset + 1] = (byte)length;
        if (length == 1)
        {
            options[offset + 2] = (byte)value;
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(options[(offset + 2)..], value);
        }

        return offset + 2 + length;
    }

    internal static IPAddress ToAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    internal static uint FromAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        return address.TryWriteBytes(bytes, out int written) && written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : 0;
    }
}
