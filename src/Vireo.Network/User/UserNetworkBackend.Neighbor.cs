using System.Buffers;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>
/// The guest's MAC address, found the way a gateway finds a neighbour's: learned from any frame the guest sends, or
/// asked for with an ARP request ("who has 10.0.2.15") when the NAT has something to deliver first (a host forward
/// to a guest that only listens). Frames built meanwhile are held, as Linux's neighbour queue holds them, and go out
/// when the answer comes; unanswered requests are repeated every second and held frames given up after three.
/// </summary>
public sealed partial class UserNetworkBackend
{
    private const int MaxHeldFrames = 16;
    private const long ArpRetryMs = 1000;
    private const long HeldFrameLifetimeMs = 3000;

    private readonly List<(byte[] Buffer, int Length, int SegmentSize)> _held = [];
    private MacAddress _guestMac;
    private bool _arpRequested;
    private long _lastArpRequest;
    private long _heldSince;

    /// <summary>Records the guest's MAC and delivers every frame that waited for it. Loop thread.</summary>
    private void LearnGuestMac(MacAddress mac)
    {
        _guestMac = mac;
        if (_held.Count == 0)
        {
            return;
        }

        foreach ((byte[] buffer, int length, int segmentSize) in _held)
        {
            new EthernetHeader(mac, GuestAddresses.GatewayMac, EthernetHeader.TypeIpv4).Write(buffer);
            if (_receiver!.Receive(buffer.AsSpan(0, length), new ReceiveOffload(true, segmentSize)))
            {
                Counters.FrameToGuest();
            }
            else
            {
                Counters.GuestBusy();
            }

            ArrayPool<byte>.Shared.Return(buffer);
        }

        _held.Clear();
        _arpRequested = false;
    }

    /// <summary>
    /// Keeps the frame in the transmit buffer until the guest's MAC is known and asks for it. True when held: for the
    /// protocols above, the frame went out (TCP retransmits it if the guest never gets it).
    /// </summary>
    private bool HoldForGuestMac(int length, int segmentSize)
    {
        long now = NowMs;
        if (_held.Count == 0)
        {
            _heldSince = now;
        }

        RequestGuestMac(now);
        if (_held.Count >= MaxHeldFrames)
        {
            Counters.GuestBusy();
            return false;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(length);
        _tx.AsSpan(0, length).CopyTo(copy);
        _held.Add((copy, length, segmentSize));
        return true;
    }

    /// <summary>Broadcasts "who has 10.0.2.15, tell 10.0.2.2", at most once per second.</summary>
    private void RequestGuestMac(long now)
    {
        if (_arpRequested && now - _lastArpRequest < ArpRetryMs)
        {
            return;
        }

        _arpRequested = true;
        _lastArpRequest = now;
        Span<byte> frame = stackalloc byte[EthernetHeader.Length + ArpPacket.Length];
        new EthernetHeader(MacAddress.Broadcast, GuestAddresses.GatewayMac, EthernetHeader.TypeArp).Write(frame);
        new ArpPacket(ArpPacket.OpRequest, GuestAddresses.GatewayMac, GuestAddresses.Gateway, default,
            GuestAddresses.Guest).Write(frame[EthernetHeader.Length..]);
        if (_receiver?.Receive(frame) == true)
        {
            Counters.FrameToGuest();
        }
    }

    /// <summary>Repeats the request while frames wait, and gives them up (counted) after their lifetime.</summary>
    private void TickNeighbor(long now)
    {
        if (_held.Count == 0)
        {
            return;
        }

        if (now - _heldSince >= HeldFrameLifetimeMs)
        {
            for (int i = 0; i < _held.Count; i++)
            {
                Counters.GuestBusy();
            }

            ReleaseHeld();
            return;
        }

        RequestGuestMac(now);
    }

    private void ReleaseHeld()
    {
        foreach ((byte[] buffer, _, _) in _held)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _held.Clear();
        _arpRequested = false;
    }
}
