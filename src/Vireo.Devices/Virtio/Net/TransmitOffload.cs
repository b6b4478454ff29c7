using System.Buffers.Binary;
using Vireo.Network;
using Vireo.Network.Packets;

namespace Vireo.Devices.Virtio.Net;

/// <summary>
/// The device half of the guest's transmit offloads (virtio-net CSUM and HOST_TSO4): completes partial checksums and
/// cuts TCP/IPv4 super-frames into MSS-sized segments, so every back-end still receives ordinary, fully checksummed
/// Ethernet frames. The guest's kernel then pays its per-packet cost once per 64 KiB instead of once per 1460 bytes.
/// </summary>
internal static class TransmitOffload
{
    private const int IpStart = EthernetHeader.Length;
    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;
    private const byte TcpCwr = 0x80;

    /// <summary>
    /// Completes a partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM): the one's-complement sum from
    /// <paramref name="start"/> to the end of the frame (the field already holds the pseudo-header sum) is stored at
    /// <paramref name="start"/> + <paramref name="offset"/>. False when the positions lie outside the frame.
    /// </summary>
    public static bool CompleteChecksum(Span<byte> frame, int start, int offset)
    {
        if (start < EthernetHeader.Length || offset < 0 || start + offset + 2 > frame.Length)
        {
            return false;
        }

        ushort sum = Checksum.Compute(frame[start..]);
        // 0 and 0xFFFF are the same one's-complement value; UDP reserves 0 for "no checksum", so never write it.
        BinaryPrimitives.WriteUInt16BigEndian(frame[(start + offset)..], sum == 0 ? (ushort)0xFFFF : sum);
        return true;
    }

    /// <summary>
    /// Sends a TCP/IPv4 frame as segments of at most <paramref name="segmentSize"/> payload bytes, each with its own
    /// IPv4 length, identification and checksum, sequence number, flags (FIN and PSH only on the last, CWR only on the
    /// first) and TCP checksum. <paramref name="scratch"/> must hold the largest frame. Returns the number of segments
    /// sent, or -1 (nothing sent) when the frame is not a well-formed unfragmented TCP/IPv4 frame.
    /// </summary>
    public static int SendSegments(ReadOnlySpan<byte> frame, int segmentSize, Span<byte> scratch, INetworkBackend backend)
    {
        if (segmentSize <= 0 || frame.Length < IpStart + Ipv4Header.MinLength + TcpHeader.MinLength ||
            BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EthernetHeader.TypeIpv4)
        {
            return -1;
        }

        ReadOnlySpan<byte> ip = frame[IpStart..];
        int ipHeaderLength = (ip[0] & 0xF) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if ((ip[0] >> 4) != 4 || ipHeaderLength < Ipv4Header.MinLength || ip[9] != Ipv4Header.ProtocolTcp ||
            totalLength > ip.Length || (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0 ||
            ipHeaderLength + TcpHeader.MinLength > totalLength)
        {
            return -1;
        }

        int tcpHeaderLength = (ip[ipHeaderLength + 12] >> 4) * 4;
        int headers = IpStart + ipHeaderLength + tcpHeaderLength;
        if (tcpHeaderLength < TcpHeader.MinLength || ipHeaderLength + tcpHeaderLength > totalLength ||
            headers + segmentSize > scratch.Length)
        {
            return -1;
        }

        int payloadLength = totalLength - ipHeaderLength - tcpHeaderLength;
        ReadOnlySpan<byte> payload = frame.Slice(headers, payloadLength);
        uint source = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        uint destination = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        ushort identification = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        uint sequence = BinaryPrimitives.ReadUInt32BigEndian(ip[(ipHeaderLength + 4)..]);
        byte flags = ip[ipHeaderLength + 13];
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
            BinaryPrimitives.WriteUInt16BigEndian(segmentIp[4..], (ushort)(identification + count));
            BinaryPrimitives.WriteUInt16BigEndian(segmentIp[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(segmentIp[10..], Checksum.Compute(segmentIp[..ipHeaderLength]));
            Span<byte> tcp = segmentIp.Slice(ipHeaderLength, tcpHeaderLength + length);
            BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence + (uint)offset);
            tcp[13] = (byte)(flags & ~((last ? 0 : TcpFin | TcpPsh) | (first ? 0 : TcpCwr)));
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], 0);
            uint sum = Checksum.Add(Checksum.PseudoHeader(source, destination, Ipv4Header.ProtocolTcp, tcp.Length), tcp);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum.Finish(sum));
            backend.Send(scratch[..(headers + length)]);
            count++;
            offset += length;
        }
        while (offset < payloadLength);

        return count;
    }
}
