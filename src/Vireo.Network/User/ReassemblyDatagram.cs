using System.Buffers;
using System.Buffers.Binary;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>One datagram in reassembly: its data so far at its final offsets and the byte ranges held.</summary>
internal sealed class ReassemblyDatagram
{
    private readonly uint _source;
    private readonly uint _destination;
    private readonly byte _protocol;
    private readonly ushort _identification;
    private readonly List<(int Start, int End)> _ranges = [];
    private byte[]? _data = ArrayPool<byte>.Shared.Rent(Ipv4Reassembler.MaxPacket);
    private byte[]? _header;
    private int _total = -1;
    private int _fragments;

    public ReassemblyDatagram(uint source, uint destination, byte protocol, ushort identification, long startMs)
    {
        _source = source;
        _destination = destination;
        _protocol = protocol;
        _identification = identification;
        StartMs = startMs;
    }

    public long StartMs { get; }

    public bool IsComplete =>
        _total >= 0 && _header is not null && _ranges.Count == 1 && _ranges[0].Start == 0 && _ranges[0].End == _total;

    public bool Matches(in Ipv4Header ip) =>
        ip.Source == _source && ip.Destination == _destination && ip.Protocol == _protocol &&
        ip.Identification == _identification;

    /// <summary>Stores a fragment's bytes; false when it overlaps, contradicts the known end, or is one too many.</summary>
    public bool Add(int start, int end, bool more, ReadOnlySpan<byte> data)
    {
        // Counted per fragment, not per held range: adjacent fragments merge into one range.
        if (++_fragments > Ipv4Reassembler.MaxFragments || (_total >= 0 && end > _total) || (!more && _total >= 0 && end != _total))
        {
            return false;
        }

        int at = 0;
        while (at < _ranges.Count && _ranges[at].Start < end)
        {
            if (_ranges[at].End > start)
            {
                return false;
            }

            at++;
        }

        if (!more)
        {
            // The last fragment fixes the length: nothing held may lie beyond it.
            if (at < _ranges.Count || (_ranges.Count > 0 && _ranges[^1].End > end))
            {
                return false;
            }

            _total = end;
        }

        data.CopyTo(_data.AsSpan(start));
        _ranges.Insert(at, (start, end));
        // Merge with neighbours so a complete datagram is exactly one range.
        if (at + 1 < _ranges.Count && _ranges[at + 1].Start == end)
        {
            _ranges[at] = (start, _ranges[at + 1].End);
            _ranges.RemoveAt(at + 1);
        }

        if (at > 0 && _ranges[at - 1].End == start)
        {
            _ranges[at - 1] = (_ranges[at - 1].Start, _ranges[at].End);
            _ranges.RemoveAt(at);
        }

        return true;
    }

    public void SetHeader(ReadOnlySpan<byte> header) => _header = header.ToArray();

    /// <summary>The whole packet in a rented buffer; this datagram's own buffer is returned.</summary>
    public byte[] Assemble(out int length)
    {
        byte[] header = _header!;
        length = header.Length + _total;
        byte[] packet = ArrayPool<byte>.Shared.Rent(length);
        header.CopyTo(packet, 0);
        _data.AsSpan(0, _total).CopyTo(packet.AsSpan(header.Length));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)length);
        // Keep DF (and the reserved bit as sent); clear MF and the offset.
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(6)) & 0xC000));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum.Compute(packet.AsSpan(0, header.Length)));
        Release();
        return packet;
    }

    public void Release()
    {
        if (_data is not null)
        {
            ArrayPool<byte>.Shared.Return(_data);
            _data = null;
        }
    }
}
