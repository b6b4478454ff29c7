using System.Buffers.Binary;
using Vireo.Core.Memory;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>The guest's side of one split virtqueue, written straight into guest RAM as a driver would.</summary>
internal sealed class TestQueue(GuestRam ram, ulong desc, ulong avail, ulong used, ushort size)
{
    public const ushort Next = 1;
    public const ushort Write = 2;
    public const ushort Indirect = 4;

    private ushort _nextDescriptor;
    private ushort _availIdx;

    public ulong DescAddress => desc;

    public ulong AvailAddress => avail;

    public ulong UsedAddress => used;

    public ushort Size => size;

    public ushort AvailIdx => _availIdx;

    /// <summary>Writes one raw descriptor at <paramref name="index"/> of the table at <paramref name="table"/>.</summary>
    public static void WriteDescriptor(GuestRam ram, ulong table, int index, ulong address, uint length, ushort flags, ushort next)
    {
        Span<byte> d = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
        Assert.True(ram.TryWrite(table + (16 * (ulong)index), d));
    }

    public void WriteDescriptor(int index, ulong address, uint length, ushort flags, ushort next) =>
        WriteDescriptor(ram, desc, index, address, length, flags, next);

    /// <summary>Writes a chain of buffers into free descriptors and returns its head (not yet published).</summary>
    public ushort AddChain(params (ulong Address, uint Length, bool Writable)[] buffers)
    {
        ushort head = _nextDescriptor;
        for (int i = 0; i < buffers.Length; i++)
        {
            int index = (head + i) % size;
            bool last = i == buffers.Length - 1;
            ushort flags = (ushort)((buffers[i].Writable ? Write : 0) | (last ? 0 : Next));
            WriteDescriptor(index, buffers[i].Address, buffers[i].Length, flags, (ushort)((index + 1) % size));
        }

        _nextDescriptor = (ushort)((head + buffers.Length) % size);
        return head;
    }

    /// <summary>Puts <paramref name="head"/> in the available ring and publishes the new index.</summary>
    public void Publish(ushort head)
    {
        WriteU16(avail + 4 + (2 * (ulong)(_availIdx % size)), head);
        _availIdx++;
        WriteU16(avail + 2, _availIdx);
    }

    /// <summary>Sets the available index to any value (for hostile-guest tests).</summary>
    public void SetAvailIdx(ushort value)
    {
        _availIdx = value;
        WriteU16(avail + 2, value);
    }

    public void SetAvailRingEntry(int slot, ushort head) => WriteU16(avail + 4 + (2 * (ulong)slot), head);

    public void SetAvailFlags(ushort flags) => WriteU16(avail, flags);

    public void SetUsedEvent(ushort value) => WriteU16(avail + 4 + (2 * (ulong)size), value);

    public ushort UsedIdx => ReadU16(used + 2);

    public ushort AvailEvent => ReadU16(used + 4 + (8 * (ulong)size));

    public (uint Id, uint Length) UsedElement(int index)
    {
        Span<byte> e = stackalloc byte[8];
        Assert.True(ram.TryRead(used + 4 + (8 * (ulong)(index % size)), e));
        return (BinaryPrimitives.ReadUInt32LittleEndian(e), BinaryPrimitives.ReadUInt32LittleEndian(e[4..]));
    }

    private void WriteU16(ulong address, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        Assert.True(ram.TryWrite(address, b));
    }

    private ushort ReadU16(ulong address)
    {
        Span<byte> b = stackalloc byte[2];
        Assert.True(ram.TryRead(address, b));
        return BinaryPrimitives.ReadUInt16LittleEndian(b);
    }
}
