using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>
/// A parsed TCP header (RFC 9293) with the options the stack understands: MSS and window scale (0 when absent, -1
/// for the scale when the option is missing).
/// </summary>
public readonly record struct TcpHeader(
    ushort SourcePort, ushort DestinationPort, uint Sequence, uint Acknowledgment, TcpFlags Flags, ushort Window,
    int HeaderLength, ushort MaxSegmentSize, int WindowScale)
{
    public const int MinLength = 20;

    public bool Has(TcpFlags flag) => (Flags & flag) != 0;

    /// <summary>Validates data offset, option encoding and the pseudo-header checksum.</summary>
    public static bool TryRead(in Ipv4Header ip, ReadOnlySpan<byte> segment, out TcpHeader header,
        out ReadOnlySpan<byte> data)
    {
        header = default;
        data = default;
        if (segment.Length < MinLength)
        {
            return false;
        }

        int headerLength = (segment[12] >> 4) * 4;
        if (headerLength < MinLength || headerLength > segment.Length)
        {
            return false;
        }

        uint sum = Checksum.PseudoHeader(ip.Source, ip.Destination, Ipv4Header.ProtocolTcp, segment.Length);
        if (Checksum.Finish(Checksum.Add(sum, segment)) != 0)
        {
            return false;
        }

        ushort mss = 0;
        int scale = -1;
        ReadOnlySpan<byte> options = segment[MinLength..headerLength];
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == 0)
            {
                break;
            }

            if (kind == 1)
            {
                i++;
                continue;
            }

            if (i + 1 >= options.Length || options[i + 1] < 2 || i + options[i + 1] > options.Length)
            {
                return false;
            }

            int length = options[i + 1];
            if (kind == 2 && length == 4)
            {
                mss = BinaryPrimitives.ReadUInt16BigEndian(options[(i + 2)..]);
            }
            else if (kind == 3 && length == 3)
            {
                scale = Math.Min((int)options[i + 2], 14);
            }

            i += length;
        }

        header = new TcpHeader(
            BinaryPrimitives.ReadUInt16BigEndian(segment),
            BinaryPrimitives.ReadUInt16BigEndian(segment[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(segment[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(segment[8..]),
            (TcpFlags)(segment[13] & 0x3F),
            BinaryPrimitives.ReadUInt16BigEndian(segment[14..]),
            headerLength,
            mss,
            scale);
        data = segment[headerLength..];
        return true;
    }

    /// <summary>
    /// Writes a header (with MSS and window-scale options when given, i.e. on SYNs) in front of
    /// <paramref name="dataLength"/> bytes already placed after it, and checksums the segment. Returns the header length.
    /// </summary>
    public static int Write(Span<byte> segment, uint sourceIp, uint destinationIp, ushort sourcePort,
        ushort destinationPort, uint sequence, uint acknowledgment, TcpFlags flags, ushort window, int dataLength,
        ushort mss = 0, int windowScale = -1)
    {
        int headerLength = HeaderLengthFor(mss, windowScale);
        BinaryPrimitives.WriteUInt16BigEndian(segment, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(segment[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(segment[8..], acknowledgment);
        segment[12] = (byte)((headerLength / 4) << 4);
        segment[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(segment[14..], window);
        BinaryPrimitives.WriteUInt32BigEndian(segment[16..], 0);
        int o = MinLength;
        if (mss != 0)
        {
            segment[o] = 2;
            segment[o + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(segment[(o + 2)..], mss);
            o += 4;
        }

        if (windowScale >= 0)
        {
            segment[o] = 1;
            segment[o + 1] = 3;
            segment[o + 2] = 3;
            segment[o + 3] = (byte)windowScale;
        }

        int length = headerLength + dataLength;
        uint sum = Checksum.PseudoHeader(sourceIp, destinationIp, Ipv4Header.ProtocolTcp, length);
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], Checksum.Finish(Checksum.Add(sum, segment[..length])));
        return headerLength;
    }

    public static int HeaderLengthFor(ushort mss, int windowScale) =>
        MinLength + (mss != 0 ? 4 : 0) + (windowScale >= 0 ? 4 : 0);
}
