using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>An Ethernet II header (no VLAN tag, no FCS).</summary>
public readonly record struct EthernetHeader(MacAddress Destination, MacAddress Source, ushort EtherType)
{
    public const int Length = 14;
    public const ushort TypeIpv4 = 0x0800;
    public const ushort TypeArp = 0x0806;

    /// <summary>Largest frame the stack handles (1500-byte MTU plus the header).</summary>
    public const int MaxFrameLength = 1514;

    public static bool TryRead(ReadOnlySpan<byte> frame, out EthernetHeader header)
    {
        if (frame.Length < Length)
        {
            header = default;
            return false;
        }

        header = new EthernetHeader(MacAddress.Read(frame), MacAddress.Read(frame[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(frame[12..]));
        return true;
    }

    public void Write(Span<byte> frame)
    {
        Destination.Write(frame);
        Source.Write(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherType);
    }
}
