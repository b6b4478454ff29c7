using System.Runtime.CompilerServices;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Mmu;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Instruction fetch: the execute TLB, the per-physical-page decode cache and its invalidation.</summary>
internal sealed unsafe partial class Hart
{
    /// <summary>Decoded pages kept per hart before the cache starts over (32 KiB each).</summary>
    private const int MaxDecodedPages = 2048;

    private readonly Dictionary<ulong, DecodedPage> _decodedPages = [];

    /// <inheritdoc/>
    public int DecodedPageCount => _decodedPages.Count; // a racy read of one int field: good enough for accounting

    /// <summary>Fetch when pc left the current page: execute TLB, translation, decode cache, or an uncached decode.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal DecodedInstruction* FetchSlow()
    {
        HartState* s = State;
        DecodedInstruction* cached = EnterCachedPage(s);
        if (cached != null)
        {
            return cached;
        }

        ulong pc = s->Pc;
        ulong* entry = ExecTlbHit(s, pc);
        if (entry != null)
        {
            // Mapped, but the page's code changed since: decode it afresh.
            ulong cachedPage = entry[2];
            if (_ram.CodeGenerations[cachedPage] != (uint)entry[3])
            {
                DecodedPage revalidated = GetDecodedPage(cachedPage);
                entry[1] = (ulong)revalidated.Pointer;
                entry[3] = revalidated.Generation;
            }

            EnterPage(s, pc, (DecodedInstruction*)entry[1], cachedPage);
            return s->FetchSlots + ((pc & PageMask) >> 1);
        }

        uint privilege = s->Mode;
        ulong cause = Translate(pc, AccessType.Execute, privilege, out ulong physical);
        if (cause != NoFault)
        {
            RaiseException(cause, pc);
            return null;
        }

        if (!_pmp.Allows(physical, 2, AccessType.Execute, privilege))
        {
            RaiseException(TrapCause.InstructionAccessFault, pc);
            return null;
        }

        if (PageCacheable(physical, AccessType.Execute, privilege))
        {
            ulong ramPage = ((physical & ~PageMask) - s->RamBase) >> 12;
            DecodedPage page = GetDecodedPage(ramPage);
            ulong vpn = pc >> 12;
            entry = ExecTlbSlot(s, vpn);
            entry[0] = vpn | s->FetchSalt;
            entry[1] = (ulong)page.Pointer;
            entry[2] = ramPage;
            entry[3] = page.Generation;
            EnterPage(s, pc, page.Pointer, ramPage);
            return s->FetchSlots + ((pc & PageMask) >> 1);
        }

        return DecodeUncached(pc);
    }

    /// <summary>
    /// Enters the pc's page when the execute TLB maps it and its decoded code is current (the common case of a jump to
    /// another page) and returns the pc's slot; null otherwise (<see cref="FetchSlow"/> then revalidates or walks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static DecodedInstruction* EnterCachedPage(HartState* s)
    {
        ulong pc = s->Pc;
        ulong* entry = ExecTlbHit(s, pc);
        if (entry == null)
        {
            return null;
        }

        ulong ramPage = entry[2];
        if (s->CodeGenerations[ramPage] != (uint)entry[3])
        {
            return null;
        }

        EnterPage(s, pc, (DecodedInstruction*)entry[1], ramPage);
        return s->FetchSlots + ((pc & PageMask) >> 1);
    }

    /// <summary>
    /// The execute-TLB entry of <paramref name="address"/>'s page for the current privilege, or null: four words, the
    /// tag, the decoded page's slots, the RAM page number and the code generation the slots were decoded from.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong* ExecTlbHit(HartState* s, ulong address)
    {
        ulong vpn = address >> 12;
        ulong* entry = ExecTlbSlot(s, vpn);
        return entry[0] == (vpn | s->FetchSalt) ? entry : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong* ExecTlbSlot(HartState* s, ulong vpn) => s->ExecTlb + ((vpn & (HartState.TlbEntries - 1)) * 4);

    /// <summary>Slot handler for not-yet-decoded instructions: decodes into the slot, then runs it.</summary>
    internal static DecodedInstruction* DecodeStub(Hart hart, HartState* s, DecodedInstruction* d)
    {
        ulong offset = s->Pc & PageMask;
        byte* host = s->FetchHost + offset;
        ushort low = Unsafe.ReadUnaligned<ushort>(host);
        if ((low & 3) != 3)
        {
            Decoder.DecodeCompressed(low, d, (int)offset);
        }
        else if (offset <= 4092)
        {
            Decoder.Decode(Unsafe.ReadUnaligned<uint>(host), d, (int)offset);
        }
        else
        {
            // The instruction's upper half is on the next page: decode it every time, without caching. When the
            // execute TLB maps that page (it has run before), its first halfword is read straight from RAM. The slot
            // keeps its stub but records the length, which marks it as run for the JIT (see JitPageState.SnapshotExecuted).
            d->Length = 4;
            ulong upper = s->Pc + 2;
            ulong* entry = ExecTlbHit(s, upper);
            ushort high;
            if (entry != null)
            {
                high = Unsafe.ReadUnaligned<ushort>(s->RamPointer + (entry[2] << 12));
            }
            else if (!hart.FetchHalfword(upper, out high))
            {
                return &s->Redirect;
            }

            DecodedInstruction* scratch = &s->Scratch;
            Decoder.Decode(low | ((uint)high << 16), scratch, Decoder.NotOnPage);
            return scratch->Handler(hart, s, scratch);
        }

        return d->Handler(hart, s, d);
    }

    /// <summary>
    /// A compiled region's call into the interpreter handler of <paramref name="d"/> (an instruction it does not
    /// translate, or a load or store off the TLB's hit path): publishes the instructions the region ran since its last
    /// publish (<paramref name="retired"/>) and the pc, runs the handler and returns null when the region may go on
    /// with the next instruction, else the slot the run loop continues with. Out of line (and never inlined) so each call
    /// site in a region is a few IL instructions: the .NET JIT's compile time grows with a region's IL.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static DecodedInstruction* RegionCall(Hart hart, HartState* s, DecodedInstruction* d, long retired, ulong pc)
    {
        PublishRegion(s, retired, pc);
        DecodedInstruction* result = d->Handler(hart, s, d);

        // Anything but a fall-through (a trap, a jump, EndBlock after a store into this page or a CSR write) or a spent
        // budget leaves the region.
        return result == (DecodedInstruction*)((byte*)d + (d->Length * 8)) && s->BlockLimit > s->BlockExecuted ? null : result;
    }

    /// <summary>Like <see cref="RegionCall"/> for an instruction that always leaves the region: returns the handler's slot.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static DecodedInstruction* RegionCallAndLeave(Hart hart, HartState* s, DecodedInstruction* d, long retired, ulong pc)
    {
        PublishRegion(s, retired, pc);
        return d->Handler(hart, s, d);
    }

    /// <summary>
    /// A region's instruction that straddles into a next page which no longer holds what it was compiled with: publishes
    /// the count and pc and runs it the interpreter's way (decoded afresh through the scratch slot); returns the slot that
    /// follows, where the run loop continues.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static DecodedInstruction* RegionStraddle(Hart hart, HartState* s, long retired, ulong pc)
    {
        PublishRegion(s, retired, pc);
        return DecodeStub(hart, s, &s->Scratch);
    }

    /// <summary>What a region publishes before a handler runs: its count (retired, and taken off the budget) and the pc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PublishRegion(HartState* s, long retired, ulong pc)
    {
        s->ExtraRetired += retired;
        s->BlockLimit -= retired;
        s->Pc = pc;
    }

    /// <summary>
    /// The first halfword of the page at <paramref name="virtualAddress"/> (page-aligned) when the execute TLB maps it
    /// for the current privilege, else -1: what a compiled instruction straddling into that page checks it still reads.
    /// </summary>
    internal static int UpperHalfAt(HartState* s, ulong virtualAddress)
    {
        ulong* entry = ExecTlbHit(s, virtualAddress);
        return entry == null ? -1 : Unsafe.ReadUnaligned<ushort>(s->RamPointer + (entry[2] << 12));
    }

    /// <summary>Reads 16 instruction bits at <paramref name="virtualAddress"/>, raising the fetch fault if any.</summary>
    internal bool FetchHalfword(ulong virtualAddress, out ushort value)
    {
        value = 0;
        uint privilege = State->Mode;
        ulong cause = Translate(virtualAddress, AccessType.Execute, privilege, out ulong physical);
        if (cause == NoFault && !_pmp.Allows(physical, 2, AccessType.Execute, privilege))
        {
            cause = TrapCause.InstructionAccessFault;
        }

        if (cause != NoFault)
        {
            RaiseException(cause, virtualAddress);
            return false;
        }

        byte* host = _ram.TryGetPointer(physical, 2);
        if (host != null)
        {
            value = Unsafe.ReadUnaligned<ushort>(host);
            return true;
        }

        if (!ReadDevice(physical, 2, out ulong word))
        {
            RaiseException(TrapCause.InstructionAccessFault, virtualAddress);
            return false;
        }

        value = (ushort)word;
        return true;
    }

    /// <summary>The decoded page of RAM page <paramref name="ramPage"/>, or null when it has none.</summary>
    internal DecodedPage? FindDecodedPage(ulong ramPage) => _decodedPages.GetValueOrDefault(ramPage);

    /// <summary>Drops all decoded pages (reset, cache overflow).</summary>
    internal void FlushDecodedCode()
    {
        // The pages' regions go with them (nothing else references their code once the execute TLB is cleared below).
        _decodedPages.Clear();
        HartState* s = State;
        for (int i = 0; i < HartState.TlbEntries; i++)
        {
            s->ExecTlb[4 * i] = ulong.MaxValue;
        }

        InvalidateFetch();
    }

    private DecodedInstruction* DecodeUncached(ulong pc)
    {
        if (!FetchHalfword(pc, out ushort low))
        {
            return null;
        }

        DecodedInstruction* scratch = &State->Scratch;
        if ((low & 3) != 3)
        {
            Decoder.DecodeCompressed(low, scratch, Decoder.NotOnPage);
            return scratch;
        }

        if (!FetchHalfword(pc + 2, out ushort high))
        {
            return null;
        }

        Decoder.Decode(low | ((uint)high << 16), scratch, Decoder.NotOnPage);
        return scratch;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EnterPage(HartState* s, ulong pc, DecodedInstruction* slots, ulong ramPage)
    {
        s->FetchBase = pc & ~PageMask;
        s->FetchSlots = slots;
        s->FetchHost = s->RamPointer + (ramPage << 12);
        s->FetchPhysical = s->RamBase + (ramPage << 12);
    }

    private DecodedPage GetDecodedPage(ulong ramPage)
    {
        if (!_decodedPages.TryGetValue(ramPage, out DecodedPage? page))
        {
            if (_decodedPages.Count >= MaxDecodedPages)
            {
                FlushDecodedCode();
            }

            page = new DecodedPage();
            _decodedPages.Add(ramPage, page);
        }

        // Flag first, then read the generation: a store that misses the flag happened before the decode reads it.
        Volatile.Write(ref _ram.CodePageFlags[ramPage], 1);
        Interlocked.MemoryBarrier();
        uint generation = Volatile.Read(ref _ram.CodeGenerations[ramPage]);
        if (!page.Valid || page.Generation != generation)
        {
            page.Clear();
            page.Generation = generation;
            page.Valid = true;
        }

        return page;
    }
}
