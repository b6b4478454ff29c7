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
    /// Sends a TCP/IPv4 frame as MSS-sized, fully checksummed segments (see <see cref="TcpSegmenter.Segment"/>).
    /// Returns the number of segments sent, or -1 (nothing sent) when the frame is not a well-formed unfragmented
    /// TCP/IPv4 frame.
    /// </summary>
    public static int SendSegments(ReadOnlySpan<byte> frame, int segmentSize, Span<byte> scratch, BackendFrameSink sink) =>
        TcpSegmenter.Segment(frame, segmentSize, scratch, sink, out _);
}
