using System.Buffers.Binary;

namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// struct virtio_vsock_hdr (44 bytes, little endian, packed): addresses, payload length, type, op, flags and the
/// sender's receive credit (buf_alloc, fwd_cnt).
/// </summary>
public struct VsockHeader
{
    /// <summary>Size of the header on the wire.</summary>
    public const int Size = 44;

    /// <summary>VIRTIO_VSOCK_TYPE_STREAM.</summary>
    public const ushort TypeStream = 1;

    /// <summary>VIRTIO_VSOCK_SHUTDOWN_RCV: the sender will receive no more data.</summary>
    public const uint ShutdownReceive = 1;

    /// <summary>VIRTIO_VSOCK_SHUTDOWN_SEND: the sender will send no more data.</summary>
    public const uint ShutdownSend = 2;

    /// <summary>Source context ID.</summary>
    public ulong SourceCid;

    /// <summary>Destination context ID.</summary>
    public ulong DestinationCid;

    /// <summary>Source port.</summary>
    public uint SourcePort;

    /// <summary>Destination port.</summary>
    public uint DestinationPort;

    /// <summary>Payload length.</summary>
    public uint Length;

    /// <summary>Socket type (1 stream, 2 seqpacket).</summary>
    public ushort Type;

    /// <summary>Operation.</summary>
    public VsockOp Op;

    /// <summary>Operation flags (shutdown bits).</summary>
    public uint Flags;

    /// <summary>Sender's receive buffer size for this connection.</summary>
    public uint BufferAllocation;

    /// <summary>Bytes the sender has consumed (freed) from its receive buffer, modulo 2³².</summary>
    public uint ForwardCount;

    /// <summary>Reads a header from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    public static VsockHeader Read(ReadOnlySpan<byte> source) => new()
    {
        SourceCid = BinaryPrimitives.ReadUInt64LittleEndian(source),
        DestinationCid = BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
        SourcePort = BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
        DestinationPort = BinaryPrimitives.ReadUInt32LittleEndian(source[20..]),
        Length = BinaryPrimitives.ReadUInt32LittleEndian(source[24..]),
        Type = BinaryPrimitives.ReadUInt16LittleEndian(source[28..]),
        Op = (VsockOp)BinaryPrimitives.ReadUInt16LittleEndian(source[30..]),
        Flags = BinaryPrimitives.ReadUInt32LittleEndian(source[32..]),
        BufferAllocation = BinaryPrimitives.ReadUInt32LittleEndian(source[36..]),
        ForwardCount = BinaryPrimitives.ReadUInt32LittleEndian(source[40..]),
    };

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public readonly void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, SourceCid);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], DestinationCid);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], SourcePort);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], DestinationPort);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[28..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[30..], (ushort)Op);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[32..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], BufferAllocation);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[40..], ForwardCount);
    }
}
