using System.Buffers.Binary;
using Vireo.Network.Packets;

namespace Vireo.Network;

/// <summary>
/// Cuts a TCP/IPv4 frame larger than one segment (a TSO super-frame) into ordinary, fully checksummed frames, and
/// checks or completes such a frame before it travels whole. Used where a large segment meets something that cannot
/// take it: a virtio-net transmit toward a plain back-end, a switch port whose receiver does not accept large segments.
/// </summary>
public static class TcpSegmenter
{
    private const int IpStart = EthernetHeader.Length;
    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;
    private const byte TcpCwr = 0x80;

    /// <summary>
    /// Header lengths of a well-formed, unfragmented TCP/IPv4 frame whose IPv4 total length fits the frame, or false.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out int ipHeaderLength, out int tcpHeaderLength, out int totalLength)
    {
        ipHeaderLength = tcpHeaderLength = totalLength = 0;
        if (frame.Length < IpStart + Ipv4Header.MinLength + TcpHeader.MinLength ||
            BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EthernetHeader.TypeIpv4)
        {
            return false;
        }

        ReadOnlySpan<byte> ip = frame[IpStart..];
        ipHeaderLength = (ip[0] & 0xF) * 4;
        totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if ((ip[0] >> 4) != 4 || ipHeaderLength < Ipv4Header.MinLength || ip[9] != Ipv4Header.ProtocolTcp ||
            totalLength > ip.Length || (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0 ||
            ipHeaderLength + TcpHeader.MinLength > totalLength)
        {
            return false;
        }

        tcpHeaderLength = (ip[ipHeaderLength + 12] >> 4) * 4;
        return tcpHeaderLength >= TcpHeader.MinLength && ipHeaderLength + tcpHeaderLength <= totalLength;
    }

    /// <summary>
    /// True when <paramref name="frame"/> is a TCP/IPv4 frame that <paramref name="segmentSize"/> may describe: a sane
    /// segment size and a frame that parses. Metadata from another process is checked with this before it is trusted.
    /// </summary>
    public static bool IsValidLargeSegment(ReadOnlySpan<byte> frame, int segmentSize) =>
        segmentSize > 0 && segmentSize <= ushort.MaxValue && TryParse(frame, out _, out _, out _);

    /// <summary>
    /// Recomputes the IPv4 header checksum and the TCP checksum over the whole frame, so a super-frame can travel
    /// whole with valid checksums. False (frame unchanged) when it is not a well-formed TCP/IPv4 frame.
    /// </summary>
    public static bool CompleteChecksums(Span<byte> frame)
    {
        if (!TryParse(frame, out int ipHeaderLength, out _, out int totalLength))
        {
            return false;
        }

        Span<byte> ip = frame[IpStart..];
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip[..ipHeaderLength]));
        Span<byte> tcp = ip[ipHeaderLength..totalLength];
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], 0);
        uint sum = Checksum.Add(
            Checksum.PseudoHeader(
                BinaryPrimitives.ReadUInt32BigEndian(ip[12..]), BinaryPrimitives.ReadUInt32BigEndian(ip[16..]),
                Ipv4Header.ProtocolTcp, tcp.Length),
            tcp);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum.Finish(sum));
        return true;
    }

    /// <summary>
    /// Delivers a TCP/IPv4 frame to <paramref name="target"/> as segments of at most <paramref name="segmentSize"/>
    /// payload bytes, each with its own IPv4 length, identification and checksum, sequence number, flags (FIN and PSH
    /// only on the last, CWR only on the first) and TCP checksum; each is handed over with checksums marked valid.
    /// <paramref name="scratch"/> must hold the largest segment. Returns the number of segments the target took
    /// (<paramref name="refused"/> counts the others), or -1 (nothing sent) when the frame is not a well-formed
    /// unfragmented TCP/IPv4 frame.
    /// </summary>
    public static int Segment(
        ReadOnlySpan<byte> frame, int segmentSize, Span<byte> scratch, IFrameReceiver target, out int refused)
    {
        refused = 0;
        if (segmentSize <= 0 || !TryParse(frame, out int ipHeaderLength, out int tcpHeaderLength, out int totalLength))
        {
            return -1;
        }

        int headers = IpStart + ipHeaderLength + tcpHeaderLength;
        if (headers + Math.Min(segmentSize, totalLength) > scratch.Length)
        {
            return -1;
        }

        ReadOnlySpan<byte> ip = frame[IpStart..];
        int payloadLength = totalLength - ipHeaderLength - tcpHeaderLength;
        ReadOnlySpan<byte> payload = frame.Slice(headers, payloadLength);
        uint source = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        uint destination = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        ushort identification = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        uint sequence = BinaryPrimitives.ReadUInt32BigEndian(ip[(ipHeaderLength + 4)..]);
        byte flags = ip[ipHeaderLength + 13];
        var valid = new ReceiveOffload(ChecksumsValid: true, TcpSegmentSize: 0);
        int count = 0;
        int offset = 0;
        do
        {
            int length = Math.Min(segmentSize, payloadLength - offset);
            bool first = offset == 0;
            bool last = offset + length == payloadLength;
            frame[..headers].CopyTo(scratch);
            payload.Slice(offset, length).CopyTo(scratch[headers..]);
            Span<byte> segmentIp = scratch[IpStart..];
            BinaryPrimitives.WriteUInt16BigEndian(segmentIp[2..], (ushort)(ipHeaderLength + tcpHeaderLength + length));
            BinaryPrimitives.WriteUInt16BigEndian(segmentIp[4..], (ushort)(identification + count + refused));
            BinaryPrimitives.WriteUInt16BigEndian(segmentIp[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(segmentIp[10..], Checksum.Compute(segmentIp[..ipHeaderLength]));
            Span<byte> tcp = segmentIp.Slice(ipHeaderLength, tcpHeaderLength + length);
            BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence + (uint)offset);
            tcp[13] = (byte)(flags & ~((last ? 0 : TcpFin | TcpPsh) | (first ? 0 : TcpCwr)));
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], 0);
            uint sum = Checksum.Add(Checksum.PseudoHeader(source, destination, Ipv4Header.ProtocolTcp, tcp.Length), tcp);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum.Finish(sum));
            if (target.Receive(scratch[..(headers + length)], valid))
            {
                count++;
            }
            else
            {
                refused++;
            }

            offset += length;
        }
        while (offset < payloadLength);

        return count;
    }
}
