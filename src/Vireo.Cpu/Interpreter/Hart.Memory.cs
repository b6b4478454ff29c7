using System.Runtime.CompilerServices;
using Vireo.Cpu.Mmu;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// The slow paths of loads and stores: TLB misses, page-crossing and misaligned accesses, MMIO, faults, and the
/// side effects of stores on decoded code and LR/SC reservations.
/// </summary>
internal sealed unsafe partial class Hart
{
    private const ulong PageMask = 0xFFF;

    private ulong _reservedValue;

    /// <summary>Loads <paramref name="size"/> bytes at <paramref name="virtualAddress"/>; false after raising a fault.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool LoadSlow(ulong virtualAddress, int size, out ulong value)
    {
        if ((virtualAddress & PageMask) + (ulong)size > 4096)
        {
            return LoadBytes(virtualAddress, size, out value);
        }

        value = 0;
        uint privilege = DataPrivilege;
        ulong cause = Translate(virtualAddress, AccessType.Read, privilege, out ulong physical);
        if (cause != NoFault)
        {
            RaiseException(cause, virtualAddress);
            return false;
        }

        if (!_pmp.Allows(physical, (ulong)size, AccessType.Read, privilege))
        {
            RaiseException(TrapCause.LoadAccessFault, virtualAddress);
            return false;
        }

        byte* host = _ram.TryGetPointer(physical, (ulong)size);
        if (host != null)
        {
            value = ReadHost(host, size);
            if (PageCacheable(physical, AccessType.Read, privilege))
            {
                FillDataTlb(State->ReadTlb, virtualAddress, host);
            }

            return true;
        }

        if (!ReadDevice(physical, size, out value))
        {
            RaiseException(TrapCause.LoadAccessFault, virtualAddress);
            return false;
        }

        return true;
    }

    /// <summary>Stores the low <paramref name="size"/> bytes of <paramref name="value"/>; false after raising a fault.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool StoreSlow(ulong virtualAddress, int size, ulong value)
    {
        if ((virtualAddress & PageMask) + (ulong)size > 4096)
        {
            return StoreBytes(virtualAddress, size, value);
        }

        uint privilege = DataPrivilege;
        ulong cause = Translate(virtualAddress, AccessType.Write, privilege, out ulong physical);
        if (cause != NoFault)
        {
            RaiseException(cause, virtualAddress);
            return false;
        }

        if (!_pmp.Allows(physical, (ulong)size, AccessType.Write, privilege))
        {
            RaiseException(TrapCause.StoreAccessFault, virtualAddress);
            return false;
        }

        byte* host = _ram.TryGetPointer(physical, (ulong)size);
        if (host != null)
        {
            WriteHost(host, size, value);
            StoreSideEffects(physical, size);
            if (PageCacheable(physical, AccessType.Write, privilege))
            {
                FillDataTlb(State->WriteTlb, virtualAddress, host);
            }

            return true;
        }

        if (!WriteDevice(physical, size, value))
        {
            RaiseException(TrapCause.StoreAccessFault, virtualAddress);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Translates an LR/SC/AMO address to a host pointer in RAM (null for MMIO, <paramref name="physical"/> set) or
    /// raises the fault. AMOs need natural alignment.
    /// </summary>
    internal bool TranslateAtomic(ulong virtualAddress, int size, AccessType type, out byte* host, out ulong physical)
    {
        host = null;
        physical = 0;
        if ((virtualAddress & (ulong)(size - 1)) != 0)
        {
            RaiseException(type == AccessType.Read ? TrapCause.LoadMisaligned : TrapCause.StoreMisaligned, virtualAddress);
            return false;
        }

        uint privilege = DataPrivilege;
        ulong cause = Translate(virtualAddress, type, privilege, out physical);
        if (cause == NoFault && type == AccessType.Write && !_pmp.Allows(physical, (ulong)size, AccessType.Read, privilege))
        {
            cause = TrapCause.StoreAccessFault;
        }

        if (cause == NoFault && !_pmp.Allows(physical, (ulong)size, type, privilege))
        {
            cause = AccessFaultCause(type);
        }

        if (cause != NoFault)
        {
            RaiseException(cause, virtualAddress);
            return false;
        }

        host = _ram.TryGetPointer(physical, (ulong)size);
        if (host == null && _bus.Find(physical, size) is null)
        {
            RaiseException(AccessFaultCause(type), virtualAddress);
            return false;
        }

        // As a store's miss does: the next AMO or store on the page hits the write TLB (the walk above set the dirty
        // bit). A page only reached by AMOs (reference counts) walked on every one.
        if (host != null && type == AccessType.Write && PageCacheable(physical, AccessType.Write, privilege))
        {
            FillDataTlb(State->WriteTlb, virtualAddress, host);
        }

        return true;
    }

    /// <summary>Invalidates decoded code on the written page and breaks other harts' reservations there.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void StoreSideEffects(ulong physical, int size)
    {
        HartState* s = State;
        ulong page = (physical - s->RamBase) >> 12;
        if (s->CodeFlags[page] != 0)
        {
            _ram.InvalidateCodePage(page);
            if ((physical & ~PageMask) == s->FetchPhysical)
            {
                InvalidateFetch();
            }
        }

        if (*s->ReservationsActive != 0)
        {
            _reservations.OnStore(HartId, physical, size);
        }
    }

    /// <summary>Reads a device register; misaligned accesses are split into bytes.</summary>
    internal bool ReadDevice(ulong physical, int size, out ulong value)
    {
        if ((physical & (ulong)(size - 1)) == 0)
        {
            return _bus.TryRead(physical, size, out value);
        }

        value = 0;
        for (int i = 0; i < size; i++)
        {
            if (!_bus.TryRead(physical + (ulong)i, 1, out ulong part))
            {
                return false;
            }

            value |= (part & 0xFF) << (8 * i);
        }

        return true;
    }

    /// <summary>Writes a device register; misaligned accesses are split into bytes.</summary>
    internal bool WriteDevice(ulong physical, int size, ulong value)
    {
        if ((physical & (ulong)(size - 1)) == 0)
        {
            return _bus.TryWrite(physical, size, value);
        }

        for (int i = 0; i < size; i++)
        {
            if (!_bus.TryWrite(physical + (ulong)i, 1, (value >> (8 * i)) & 0xFF))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Drops every cached translation (satp, SFENCE.VMA, PMP changes).</summary>
    internal void FlushTlb()
    {
        HartState* s = State;
        for (int i = 0; i < HartState.TlbEntries; i++)
        {
            s->ReadTlb[2 * i] = ulong.MaxValue;
            s->WriteTlb[2 * i] = ulong.MaxValue;
            s->ExecTlb[4 * i] = ulong.MaxValue;
        }

        InvalidateFetch();
    }

    /// <summary>
    /// SFENCE.VMA with an address: drops every cached translation that may come from the leaf entry mapping
    /// <paramref name="virtualAddress"/>. An entry holds a 4 KiB piece of whatever page it came from and does not record
    /// that page's size, so every entry inside the largest page the mode allows around the address goes (1 GiB in Sv39):
    /// the kernel's translations survive the fence Linux issues after changing a user page, where a full flush made the
    /// hart walk the page tables again for every kernel page it touched next.
    /// </summary>
    internal void FlushTlbAddress(ulong virtualAddress)
    {
        ulong mode = _satp >> 60;
        if (mode == 0)
        {
            FlushTlb();
            return;
        }

        // Tags are the virtual page number (bits 0-51) plus a salt above it; entries from other modes and salts that
        // share the region go too, which is only more than needed.
        const ulong VpnMask = (1UL << 52) - 1;
        int regionShift = 9 * ((int)mode - 6);
        ulong region = ((virtualAddress >> 12) & VpnMask) >> regionShift;
        HartState* s = State;
        for (int i = 0; i < HartState.TlbEntries; i++)
        {
            if (((s->ReadTlb[2 * i] & VpnMask) >> regionShift) == region)
            {
                s->ReadTlb[2 * i] = ulong.MaxValue;
            }

            if (((s->WriteTlb[2 * i] & VpnMask) >> regionShift) == region)
            {
                s->WriteTlb[2 * i] = ulong.MaxValue;
            }

            if (((s->ExecTlb[4 * i] & VpnMask) >> regionShift) == region)
            {
                s->ExecTlb[4 * i] = ulong.MaxValue;
            }
        }

        InvalidateFetch();
    }

    /// <summary>
    /// Forgets the page being executed, so the next fetch re-checks translation and code generation. It also ends the
    /// block: the slot the running handler returns may belong to the forgotten page, and the next block starts from
    /// the redirect slot.
    /// </summary>
    internal void InvalidateFetch()
    {
        EndBlock();
        HartState* s = State;
        s->FetchBase = 0x8000_0000_0000_0001;
        s->FetchSlots = null;
        s->FetchHost = null;
        s->FetchPhysical = ulong.MaxValue;
    }

    private bool PageCacheable(ulong physical, AccessType type, uint privilege)
    {
        ulong page = physical & ~PageMask;
        return _ram.Contains(page, 4096) && _pmp.Allows(page, 4096, type, privilege);
    }

    private void FillDataTlb(ulong* tlb, ulong virtualAddress, byte* host)
    {
        ulong vpn = virtualAddress >> 12;
        ulong* entry = tlb + ((vpn & (HartState.TlbEntries - 1)) * 2);
        entry[0] = vpn | State->DataSalt;
        entry[1] = (ulong)(host - (virtualAddress & PageMask)) - (virtualAddress & ~PageMask);
    }

    private bool LoadBytes(ulong virtualAddress, int size, out ulong value)
    {
        value = 0;
        for (int i = 0; i < size; i++)
        {
            if (!LoadSlow(virtualAddress + (ulong)i, 1, out ulong part))
            {
                return false;
            }

            value |= part << (8 * i);
        }

        return true;
    }

    private bool StoreBytes(ulong virtualAddress, int size, ulong value)
    {
        // Probe both pages first so a fault on the second leaves memory untouched.
        uint privilege = DataPrivilege;
        ulong last = virtualAddress + (ulong)size - 1;
        ulong cause = Translate(last, AccessType.Write, privilege, out _);
        if (cause != NoFault)
        {
            RaiseException(cause, last);
            return false;
        }

        for (int i = 0; i < size; i++)
        {
            if (!StoreSlow(virtualAddress + (ulong)i, 1, value >> (8 * i)))
            {
                return false;
            }
        }

        return true;
    }

    private static ulong ReadHost(byte* host, int size) => size switch
    {
        1 => *host,
        2 => Unsafe.ReadUnaligned<ushort>(host),
        4 => Unsafe.ReadUnaligned<uint>(host),
        _ => Unsafe.ReadUnaligned<ulong>(host),
    };

    private static void WriteHost(byte* host, int size, ulong value)
    {
        switch (size)
        {
            case 1: *host = (byte)value; break;
            case 2: Unsafe.WriteUnaligned(host, (ushort)value); break;
            case 4: Unsafe.WriteUnaligned(host, (uint)value); break;
            default: Unsafe.WriteUnaligned(host, value); break;
        }
    }

    /// <summary>LR: reserves <paramref name="physical"/> and remembers the value read.</summary>
    internal void Reserve(ulong physical, ulong value)
    {
        _reservedValue = value;
        _reservations.Reserve(HartId, physical);
    }

    /// <summary>SC: drops the reservation; true (with the value LR read) when it was still held on <paramref name="physical"/>.</summary>
    internal bool ReleaseReservation(ulong physical, out ulong expected)
    {
        expected = _reservedValue;
        return _reservations.Release(HartId, physical);
    }
}
