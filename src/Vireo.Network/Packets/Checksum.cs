using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>The Internet one's-complement checksum (RFC 1071) used by IPv4, ICMP, UDP and TCP.</summary>
public static class Checksum
{
    /// <summary>Adds <paramref name="data"/> as big-endian 16-bit words to a running 32-bit sum.</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        ulong acc = sum;
        int i = 0;
        // Eight bytes at a time: the carries accumulate in the upper half of the 64-bit accumulator.
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(data[i..]);
            acc += (word >> 48) + ((word >> 32) & 0xFFFF) + ((word >> 16) & 0xFFFF) + (word & 0xFFFF);
        }

        for (; i + 2 <= data.Length; i += 2)
        {
            acc += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            acc += (uint)data[i] << 8;
        }

        while ((acc >> 32) != 0)
        {
            acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
        }

        return (uint)acc;
    }

    /// <summary>Folds the sum to 16 bits and complements it.</summary>
    public static ushort Finish(uint sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>Sum of the IPv4 pseudo-header that UDP and TCP checksums cover.</summary>
    public static uint PseudoHeader(uint source, uint destination, byte protocol, int length)
    {
        ulong sum = (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) +
            protocol + (uint)length;
        return (uint)((sum & 0xFFFF_FFFF) + (sum >> 32));
    }

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));
}
