using System.Runtime.CompilerServices;
using Vireo.Core.Memory;

namespace Vireo.Devices.Virtio;

/// <summary>
/// One split virtqueue (virtio 1.2, section 2.7): descriptor table, available ring and used ring in guest RAM.
/// </summary>
/// <remarks>
/// The guest is hostile: every descriptor is copied once out of guest memory, then checked (index, address, length,
/// chain length, indirect rules) before anything uses it, so the guest cannot change a value between check and use.
/// Ring addresses are checked once when the queue goes live; RAM never moves, so the cached host pointers stay
/// valid. Only one thread pops (the device's worker); completions may come from any thread and serialize on a lock.
/// </remarks>
public sealed unsafe class Virtqueue
{
    private const ushort DescFlagNext = 1;
    private const ushort DescFlagWrite = 2;
    private const ushort DescFlagIndirect = 4;
    private const ushort AvailFlagNoInterrupt = 1;
    private const int DescriptorSize = 16;

    private readonly GuestRam _ram;
    private readonly Lock _usedLock = new();
    private byte* _desc;
    private byte* _avail;
    private byte* _used;
    private ushort _lastAvail;
    private ushort _usedIdx;
    private ushort _signalledUsed;
    private bool _eventIdx;
    private bool _indirect;

    internal Virtqueue(GuestRam ram, int index, ushort maxSize)
    {
        _ram = ram;
        Index = index;
        MaxSize = maxSize;
        Size = maxSize;
    }

    /// <summary>Queue number within its device.</summary>
    public int Index { get; }

    /// <summary>Largest size the device accepts (QueueNumMax).</summary>
    public ushort MaxSize { get; }

    /// <summary>Number of descriptors the driver chose (QueueNum).</summary>
    public ushort Size { get; internal set; }

    /// <summary>Guest physical address of the descriptor table.</summary>
    public ulong DescriptorAddress { get; internal set; }

    /// <summary>Guest physical address of the available (driver) ring.</summary>
    public ulong DriverAddress { get; internal set; }

    /// <summary>Guest physical address of the used (device) ring.</summary>
    public ulong DeviceAddress { get; internal set; }

    /// <summary>True once the driver set QueueReady and the layout checked out.</summary>
    public bool IsReady { get; private set; }

    /// <summary>Returns the queue to its reset state. Only call while no thread pops or completes.</summary>
    internal void Reset()
    {
        lock (_usedLock)
        {
            ResetLocked();
        }
    }

    private void ResetLocked()
    {
        IsReady = false;
        Size = MaxSize;
        DescriptorAddress = 0;
        DriverAddress = 0;
        DeviceAddress = 0;
        _desc = null;
        _avail = null;
        _used = null;
        _lastAvail = 0;
        _usedIdx = 0;
        _signalledUsed = 0;
    }

    /// <summary>Checks the layout the driver programmed and makes the queue live. Returns an error text or null.</summary>
    internal string? Activate(ulong features)
    {
        uint size = Size;
        if (size == 0 || size > MaxSize || (size & (size - 1)) != 0)
        {
            return $"queue {Index}: size {size} is not a power of two up to {MaxSize}";
        }

        if ((DescriptorAddress & 15) != 0 || (DriverAddress & 1) != 0 || (DeviceAddress & 3) != 0)
        {
            return $"queue {Index}: misaligned rings (desc 0x{DescriptorAddress:x}, avail 0x{DriverAddress:x}, used 0x{DeviceAddress:x})";
        }

        byte* desc = _ram.TryGetPointer(DescriptorAddress, DescriptorSize * size);
        byte* avail = _ram.TryGetPointer(DriverAddress, 6 + (2 * size));
        byte* used = _ram.TryGetPointer(DeviceAddress, 6 + (8 * size));
        if (desc == null || avail == null || used == null)
        {
            return $"queue {Index}: rings outside RAM (desc 0x{DescriptorAddress:x}, avail 0x{DriverAddress:x}, used 0x{DeviceAddress:x})";
        }

        _desc = desc;
        _avail = avail;
        _used = used;
        _eventIdx = (features & VirtioFeatures.RingEventIdx) != 0;
        _indirect = (features & VirtioFeatures.RingIndirectDesc) != 0;
        _lastAvail = 0;
        _usedIdx = 0;
        _signalledUsed = 0;
        IsReady = true;
        return null;
    }

    /// <summary>
    /// Takes the next available chain into <paramref name="chain"/>. On <see cref="VirtqueuePopResult.Malformed"/>,
    /// <paramref name="error"/> says what was wrong. With EVENT_IDX, an empty queue re-arms avail_event so the driver
    /// notifies again. Called only from the device's worker.
    /// </summary>
    public VirtqueuePopResult TryPop(VirtqueueChain chain, out string? error)
    {
        error = null;
        if (!IsReady)
        {
            return VirtqueuePopResult.Empty;
        }

        ushort pending = (ushort)(ReadAvailIdx() - _lastAvail);
        if (pending == 0)
        {
            if (!_eventIdx)
            {
                return VirtqueuePopResult.Empty;
            }

            // avail_event lives after the used ring entries. Publish it, then look again: the driver may have added a
            // buffer after our first look but before seeing the new avail_event, and would then not notify.
            WriteUsedField(4 + (8 * Size), _lastAvail);
            Interlocked.MemoryBarrier();
            pending = (ushort)(ReadAvailIdx() - _lastAvail);
            if (pending == 0)
            {
                return VirtqueuePopResult.Empty;
            }
        }

        if (pending > Size)
        {
            error = $"queue {Index}: available index jumped by {pending} (size {Size})";
            return VirtqueuePopResult.Malformed;
        }

        ushort head = Volatile.Read(ref *(ushort*)(_avail + 4 + (2 * (_lastAvail & (Size - 1)))));
        _lastAvail++;
        error = BuildChain(head, chain);
        return error == null ? VirtqueuePopResult.Chain : VirtqueuePopResult.Malformed;
    }

    /// <summary>True when the driver published chains not yet taken (a peek: re-arms nothing). Worker thread only.</summary>
    public bool HasAvailable => IsReady && ReadAvailIdx() != _lastAvail;

    /// <summary>
    /// Gives back the chain the last successful <see cref="TryPop"/> took, so the next pop returns it again (a receive
    /// queue that found its buffer too small for the packet at hand). Worker thread only, before any other pop.
    /// </summary>
    public void UndoPop() => _lastAvail--;

    /// <summary>
    /// Puts a finished chain in the used ring. Returns true when the driver wants an interrupt for it (EVENT_IDX
    /// used_event, or VIRTQ_AVAIL_F_NO_INTERRUPT without EVENT_IDX). Safe from any thread.
    /// </summary>
    public bool PushUsed(ushort head, uint writtenLength)
    {
        ReadOnlySpan<ushort> heads = [head];
        ReadOnlySpan<uint> lengths = [writtenLength];
        return PushUsed(heads, lengths);
    }

    /// <summary>
    /// Returns several chains at once, published by one used-index update, so the driver sees all of them or none
    /// (virtio-net's mergeable receive buffers: the driver expects every buffer of a frame once it sees the first).
    /// </summary>
    public bool PushUsed(ReadOnlySpan<ushort> heads, ReadOnlySpan<uint> writtenLengths)
    {
        lock (_usedLock)
        {
            if (!IsReady || heads.IsEmpty)
            {
                return false;
            }

            ushort newIdx = _usedIdx;
            for (int i = 0; i < heads.Length; i++)
            {
                int slot = newIdx & (Size - 1);
                uint* element = (uint*)(_used + 4 + (8 * slot));
                element[0] = heads[i];
                element[1] = writtenLengths[i];
                newIdx++;
            }

            _usedIdx = newIdx;

            // The element must be visible before the index that publishes it.
            Volatile.Write(ref *(ushort*)(_used + 2), newIdx);
            _ram.NotifyWritten(DeviceAddress, 4 + (8 * (ulong)Size));

            // Store-load ordering: the index write must be visible before reading the driver's suppression fields.
            Interlocked.MemoryBarrier();
            if (!_eventIdx)
            {
                return (Volatile.Read(ref *(ushort*)_avail) & AvailFlagNoInterrupt) == 0;
            }

            ushort usedEvent = Volatile.Read(ref *(ushort*)(_avail + 4 + (2 * Size)));
            ushort old = _signalledUsed;
            _signalledUsed = newIdx;

            // Interrupt when used_event lies in [old, new): the driver asked to hear about that entry.
            return (ushort)(newIdx - usedEvent - 1) < (ushort)(newIdx - old);
        }
    }

    internal string DebugState => IsReady ? $"size {Size}, last avail {_lastAvail}, avail idx {ReadAvailIdx()}, used idx {_usedIdx}" : "not ready";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort ReadAvailIdx() => Volatile.Read(ref *(ushort*)(_avail + 2));

    private void WriteUsedField(int offset, ushort value)
    {
        Volatile.Write(ref *(ushort*)(_used + offset), value);
        _ram.NotifyWritten(DeviceAddress + (ulong)offset, 2);
    }

    private string? BuildChain(ushort head, VirtqueueChain chain)
    {
        chain.Start(head);
        byte* table = _desc;
        uint tableSize = Size;
        uint index = head;
        uint visited = 0;
        bool indirect = false;
        bool seenWritable = false;
        while (true)
        {
            if (index >= tableSize)
            {
                return $"queue {Index}: descriptor index {index} out of range ({tableSize}){Where(indirect)}";
            }

            // A chain visiting more descriptors than its table holds must loop.
            if (++visited > tableSize)
            {
                return $"queue {Index}: descriptor chain from head {head} loops or is too long{Where(indirect)}";
            }

            // Copy the descriptor once: every check and use below sees the same values.
            byte* d = table + (DescriptorSize * index);
            ulong address = *(ulong*)d;
            uint length = *(uint*)(d + 8);
            ushort flags = *(ushort*)(d + 12);
            ushort next = *(ushort*)(d + 14);

            if ((flags & DescFlagIndirect) != 0)
            {
                if (!_indirect || indirect || (flags & DescFlagNext) != 0)
                {
                    return $"queue {Index}: illegal indirect descriptor {index} (flags 0x{flags:x}){Where(indirect)}";
                }

                if (length == 0 || (length % DescriptorSize) != 0 || length / DescriptorSize > VirtqueueChain.MaxSegments)
                {
                    return $"queue {Index}: indirect table length {length} invalid";
                }

                table = _ram.TryGetPointer(address, length);
                if (table == null)
                {
                    return $"queue {Index}: indirect table 0x{address:x}+{length} outside RAM";
                }

                tableSize = length / DescriptorSize;
                index = 0;
                visited = 0;
                indirect = true;
                continue;
            }

            if (length == 0)
            {
                return $"queue {Index}: zero-length descriptor {index}{Where(indirect)}";
            }

            if (!_ram.Contains(address, length))
            {
                return $"queue {Index}: descriptor {index} buffer 0x{address:x}+{length} outside RAM{Where(indirect)}";
            }

            bool writable = (flags & DescFlagWrite) != 0;
            if (!writable && seenWritable)
            {
                return $"queue {Index}: readable descriptor {index} after a writable one{Where(indirect)}";
            }

            seenWritable |= writable;
            if (!chain.TryAdd(address, length, writable))
            {
                return $"queue {Index}: chain from head {head} has more than {VirtqueueChain.MaxSegments} buffers";
            }

            if (chain.ReadableBytes > uint.MaxValue || chain.WritableBytes > uint.MaxValue)
            {
                return $"queue {Index}: chain from head {head} longer than 4 GiB";
            }

            if ((flags & DescFlagNext) == 0)
            {
                return null;
            }

            index = next;
        }
    }

    private static string Where(bool indirect) => indirect ? " in indirect table" : string.Empty;
}
