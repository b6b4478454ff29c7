using System.Buffers;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>Frame dispatch: Ethernet, ARP, IPv4 and ICMP echo.</summary>
public sealed partial class UserNetworkBackend
{
    private void HandleFrame(ReadOnlySpan<byte> frame)
    {
        if (!EthernetHeader.TryRead(frame, out EthernetHeader ethernet))
        {
            Counters.Malformed();
            return;
        }

        if (!ethernet.Destination.IsBroadcast && ethernet.Destination != GuestAddresses.GatewayMac)
        {
            // Multicast (IPv6 neighbour discovery, mDNS) or unicast to someone else: nobody here listens.
            Counters.Unsupported();
            return;
        }

        if (ethernet.Source.IsMulticast || ethernet.Source.IsZero)
        {
            Counters.Malformed();
            return;
        }

        ReadOnlySpan<byte> payload = frame[EthernetHeader.Length..];
        switch (ethernet.EtherType)
        {
            case EthernetHeader.TypeArp:
                HandleArp(ethernet, payload);
                break;
            case EthernetHeader.TypeIpv4:
                HandleIpv4(ethernet, payload);
                break;
            default:
                Counters.Unsupported();
                break;
        }
    }

    private void HandleArp(in EthernetHeader ethernet, ReadOnlySpan<byte> payload)
    {
        if (!ArpPacket.TryRead(payload, out ArpPacket arp))
        {
            Counters.Malformed();
            return;
        }

        if (arp.SenderIp != 0 && arp.SenderMac == ethernet.Source)
        {
            LearnGuestMac(arp.SenderMac);
        }

        if (arp.Operation != ArpPacket.OpRequest ||
            (arp.TargetIp != GuestAddresses.Gateway && arp.TargetIp != GuestAddresses.Dns))
        {
            return;
        }

        Span<byte> frame = _tx;
        new EthernetHeader(arp.SenderMac, GuestAddresses.GatewayMac, EthernetHeader.TypeArp).Write(frame);
        new ArpPacket(ArpPacket.OpReply, GuestAddresses.GatewayMac, arp.TargetIp, arp.SenderMac, arp.SenderIp)
            .Write(frame[EthernetHeader.Length..]);
        DeliverRaw(EthernetHeader.Length + ArpPacket.Length);
    }

    /// <summary>Delivers a complete frame already built in the transmit buffer (ARP replies).</summary>
    private void DeliverRaw(int length)
    {
        if (_receiver is null)
        {
            return;
        }

        if (_receiver.Receive(_tx.AsSpan(0, length), new ReceiveOffload(true, 0)))
        {
            Counters.FrameToGuest();
        }
        else
        {
            Counters.GuestBusy();
        }
    }

    private void HandleIpv4(in EthernetHeader ethernet, ReadOnlySpan<byte> packet)
    {
        if (!Ipv4Header.TryRead(packet, out Ipv4Header ip, out ReadOnlySpan<byte> payload))
        {
            Counters.Malformed();
            return;
        }

        if (ip.IsFragment)
        {
            HandleFragment(ethernet, ip, packet);
            return;
        }

        if (ip.Source != 0 && GuestAddresses.InNetwork(ip.Source))
        {
            LearnGuestMac(ethernet.Source);
        }

        switch (ip.Protocol)
        {
            case Ipv4Header.ProtocolUdp:
                HandleUdp(ethernet, ip, packet, payload);
                break;
            case Ipv4Header.ProtocolTcp:
                HandleTcp(ip, payload);
                break;
            case Ipv4Header.ProtocolIcmp:
                HandleIcmp(ip, payload);
                break;
            default:
                Counters.Unsupported();
                break;
        }
    }

    /// <summary>
    /// Reassembles fragmented UDP datagrams (a guest sending datagrams larger than its MTU) and handles the whole
    /// datagram as if it had come in one piece; other fragmented protocols are not supported.
    /// </summary>
    private void HandleFragment(in EthernetHeader ethernet, in Ipv4Header ip, ReadOnlySpan<byte> packet)
    {
        if (ip.Protocol != Ipv4Header.ProtocolUdp)
        {
            Counters.Unsupported();
            return;
        }

        Counters.Fragment();
        byte[]? whole = _reassembler.Add(ip, packet, NowMs, out int length);
        if (whole is null)
        {
            return;
        }

        Counters.Reassembled();
        try
        {
            HandleIpv4(ethernet, whole.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(whole);
        }
    }

    private void HandleIcmp(in Ipv4Header ip, ReadOnlySpan<byte> message)
    {
        if (!IcmpPacket.TryRead(message, out byte type, out _))
        {
            Counters.Malformed();
            return;
        }

        if (type != IcmpPacket.TypeEchoRequest ||
            (ip.Destination != GuestAddresses.Gateway && ip.Destination != GuestAddresses.Dns) ||
            message.Length > EthernetHeader.MaxFrameLength - EthernetHeader.Length - Ipv4Header.MinLength)
        {
            // Echo to the outside would need raw or ICMP sockets; the stack only answers for its own addresses.
            Counters.Unsupported();
            return;
        }

        const int IcmpStart = EthernetHeader.Length + Ipv4Header.MinLength;
        Span<byte> reply = _tx.AsSpan(IcmpStart, message.Length);
        message.CopyTo(reply);
        IcmpPacket.Finish(reply, IcmpPacket.TypeEchoReply, 0);
        EmitIp(ip.Destination, ip.Source, Ipv4Header.ProtocolIcmp, message.Length);
    }

    /// <summary>Sends ICMP destination unreachable for a refused datagram (quoting its IP header and 8 bytes).</summary>
    private void EmitUnreachable(ReadOnlySpan<byte> offendingPacket, in Ipv4Header ip, byte code)
    {
        const int IcmpStart = EthernetHeader.Length + Ipv4Header.MinLength;
        int quoted = Math.Min(offendingPacket.Length, ip.HeaderLength + 8);
        Span<byte> message = _tx.AsSpan(IcmpStart, IcmpPacket.HeaderLength + quoted);
        message[..IcmpPacket.HeaderLength].Clear();
        offendingPacket[..quoted].CopyTo(message[IcmpPacket.HeaderLength..]);
        IcmpPacket.Finish(message, IcmpPacket.TypeDestinationUnreachable, code);
        EmitIp(ip.Destination, ip.Source, Ipv4Header.ProtocolIcmp, message.Length);
    }
}
