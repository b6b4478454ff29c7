using System.Buffers.Binary;
using Vireo.Network;
using Vireo.Network.Packets;

namespace Vireo.Devices.Virtio.Net;

/// <summary>
/// The device half of the guest's checksum offload (virtio-net CSUM): completes partial checksums, so every back-end
/// receives fully checksummed Ethernet frames. (Its TSO super-frames are cut by <see cref="TcpSegmenter"/>.)
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

}
