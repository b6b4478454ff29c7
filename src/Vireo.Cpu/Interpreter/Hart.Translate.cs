using System.Runtime.CompilerServices;
using Vireo.Cpu.Mmu;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Sv39/Sv48/Sv57 page-table walks with hardware A/D updates.</summary>
internal sealed unsafe partial class Hart
{
    /// <summary>Returned by <see cref="Translate"/> when the access may proceed.</summary>
    internal const ulong NoFault = ulong.MaxValue;

    private const ulong PteValid = 1;
    private const ulong PteRead = 2;
    private const ulong PteWrite = 4;
    private const ulong PteExecute = 8;
    private const ulong PteUser = 16;
    private const ulong PteAccessed = 64;
    private const ulong PteDirty = 128;
    private const ulong PpnMask = (1UL << 44) - 1;

    /// <summary>
    /// Translates <paramref name="virtualAddress"/> for an access of <paramref name="type"/> at
    /// <paramref name="privilege"/>. Returns <see cref="NoFault"/> or the exception cause to raise.
    /// </summary>
    internal ulong Translate(ulong virtualAddress, AccessType type, uint privilege, out ulong physicalAddress)
    {
        ulong satp = _satp;
        ulong mode = satp >> 60;
        if (privilege == 3 || mode == 0)
        {
            physicalAddress = virtualAddress;
            return NoFault;
        }

        physicalAddress = 0;
        int levels = (int)mode - 5;
        int vaBits = 12 + (9 * levels);
        long upper = (long)virtualAddress >> (vaBits - 1);
        if (upper != 0 && upper != -1)
        {
            return PageFaultCause(type);
        }

        ulong status = State->Mstatus;
    Restart:
        ulong table = (satp & PpnMask) << 12;
        for (int level = levels - 1; level >= 0; level--)
        {
            int shift = 12 + (9 * level);
            ulong entryAddress = table + (((virtualAddress >> shift) & 511) * 8);
            ulong* entry = (ulong*)_ram.TryGetPointer(entryAddress, 8);
            if (entry == null || !_pmp.Allows(entryAddress, 8, AccessType.Read, 1))
            {
                return AccessFaultCause(type);
            }

            ulong pte = Volatile.Read(ref *entry);
            if ((pte & PteValid) == 0 || (pte & (PteRead | PteWrite)) == PteWrite || (pte >> 54) != 0)
            {
                return PageFaultCause(type);
            }

            ulong ppn = (pte >> 10) & PpnMask;
            if ((pte & (PteRead | PteExecute)) == 0)
            {
                table = ppn << 12;
                continue;
            }

            if (!LeafAllows(pte, type, privilege, status))
            {
                return PageFaultCause(type);
            }

            ulong offsetMask = (1UL << shift) - 1;
            if (((ppn << 12) & offsetMask) != 0)
            {
                // Misaligned superpage.
                return PageFaultCause(type);
            }

            ulong needed = PteAccessed | (type == AccessType.Write ? PteDirty : 0);
            if ((pte & needed) != needed)
            {
                if (!_pmp.Allows(entryAddress, 8, AccessType.Write, 1))
                {
                    return AccessFaultCause(type);
                }

                // Atomic with other harts and with the OS editing the PTE: if it changed, walk again.
                if (Interlocked.CompareExchange(ref *entry, pte | needed, pte) != pte)
                {
                    goto Restart;
                }

                _ram.InvalidateCodePage((entryAddress - _ram.BaseAddress) >> 12);
            }

            physicalAddress = ((ppn << 12) & ~offsetMask) | (virtualAddress & offsetMask);
            return NoFault;
        }

        return PageFaultCause(type);
    }

    private static bool LeafAllows(ulong pte, AccessType type, uint privilege, ulong status)
    {
        bool user = (pte & PteUser) != 0;
        if (privilege == 0 && !user)
        {
            return false;
        }

        if (privilege == 1 && user && (type == AccessType.Execute || (status & Mstatus.Sum) == 0))
        {
            return false;
        }

        return type switch
        {
            AccessType.Read => (pte & PteRead) != 0 || ((status & Mstatus.Mxr) != 0 && (pte & PteExecute) != 0),
            AccessType.Write => (pte & PteWrite) != 0,
            _ => (pte & PteExecute) != 0,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong PageFaultCause(AccessType type) => type switch
    {
        AccessType.Read => TrapCause.LoadPageFault,
        AccessType.Write => TrapCause.StorePageFault,
        _ => TrapCause.InstructionPageFault,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong AccessFaultCause(AccessType type) => type switch
    {
        AccessType.Read => TrapCause.LoadAccessFault,
        AccessType.Write => TrapCause.StoreAccessFault,
        _ => TrapCause.InstructionAccessFault,
    };
}
