using System.Buffers;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>
/// Puts fragmented IPv4 datagrams from the guest back together (RFC 791 section 3.2), with hard limits so a guest
/// cannot make the host hold more than <see cref="MaxDatagrams"/> × 64 KiB: a datagram is abandoned when it has too
/// many fragments, a fragment overlaps one already held (overlaps only serve to evade filters; Linux and RFC 5722 drop
/// them too), its pieces disagree on where it ends, or it is not complete within the timeout. Event-loop thread only.
/// </summary>
internal sealed class Ipv4Reassembler
{
    /// <summary>Datagrams being reassembled at once; a fragment of a further one is dropped.</summary>
    public const int MaxDatagrams = 16;

    /// <summary>Fragments one datagram may arrive in (64 KiB in 8-byte pieces would be 8192).</summary>
    public const int MaxFragments = 64;

    /// <summary>Largest IPv4 packet.</summary>
    public const int MaxPacket = 65535;

    private readonly List<ReassemblyDatagram> _datagrams = [];
    private readonly long _timeoutMs;
    private readonly UserNetworkCounters? _counters;

    /// <param name="timeout">How long a datagram's fragments may take to arrive.</param>
    /// <param name="counters">The back-end's counters, which also count every failure; null in unit tests.</param>
    public Ipv4Reassembler(TimeSpan timeout, UserNetworkCounters? counters = null)
    {
        _timeoutMs = (long)timeout.TotalMilliseconds;
        _counters = counters;
    }

    /// <summary>Datagrams currently held.</summary>
    public int Pending => _datagrams.Count;

    /// <summary>Datagrams abandoned (overlap, inconsistency, too many fragments, timeout, table full).</summary>
    public long Failures { get; private set; }

    /// <summary>
    /// Takes one fragment (<paramref name="packet"/> is the whole IPv4 packet, already validated into
    /// <paramref name="ip"/>). When it completes its datagram, returns the reassembled packet (header of the first
    /// fragment, flags and offset cleared, length and checksum rewritten) in a buffer rented from
    /// <see cref="ArrayPool{T}.Shared"/> that the caller returns; otherwise null.
    /// </summary>
    public byte[]? Add(in Ipv4Header ip, ReadOnlySpan<byte> packet, long nowMs, out int length)
    {
        length = 0;
        ReadOnlySpan<byte> data = packet[ip.HeaderLength..ip.TotalLength];
        int start = ip.FragmentOffset;
        int end = start + data.Length;
        // Every fragment but the last carries a multiple of 8 bytes (the unit of the offset field).
        if ((ip.MoreFragments && (data.Length == 0 || (data.Length & 7) != 0)) ||
            end + ip.HeaderLength > MaxPacket)
        {
            Fail();
            return null;
        }

        ReassemblyDatagram? datagram = Find(ip);
        if (datagram is null)
        {
            if (_datagrams.Count >= MaxDatagrams)
            {
                Fail();
                return null;
            }

            datagram = new ReassemblyDatagram(ip.Source, ip.Destination, ip.Protocol, ip.Identification, nowMs);
            _datagrams.Add(datagram);
        }

        if (!datagram.Add(start, end, ip.MoreFragments, data))
        {
            Fail();
            Remove(datagram);
            return null;
        }

        if (start == 0)
        {
            datagram.SetHeader(packet[..ip.HeaderLength]);
        }

        if (!datagram.IsComplete)
        {
            return null;
        }

        Remove(datagram);
        return datagram.Assemble(out length);
    }

    /// <summary>Abandons datagrams older than the timeout.</summary>
    public void Expire(long nowMs)
    {
        for (int i = _datagrams.Count - 1; i >= 0; i--)
        {
            if (nowMs - _datagrams[i].StartMs >= _timeoutMs)
            {
                Fail();
                _datagrams[i].Release();
                _datagrams.RemoveAt(i);
            }
        }
    }

    /// <summary>Returns every held buffer (the back-end is closing).</summary>
    public void Clear()
    {
        foreach (ReassemblyDatagram datagram in _datagrams)
        {
            datagram.Release();
        }

        _datagrams.Clear();
    }

    private void Fail()
    {
        Failures++;
        _counters?.ReassemblyFailed();
    }

    private ReassemblyDatagram? Find(in Ipv4Header ip)
    {
        foreach (ReassemblyDatagram datagram in _datagrams)
        {
            if (datagram.Matches(ip))
            {
                return datagram;
            }
        }

        return null;
    }

    private void Remove(ReassemblyDatagram datagram)
    {
        _datagrams.Remove(datagram);
    }
}
