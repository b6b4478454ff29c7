using System.Collections.Concurrent;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Vireo.Core.Memory;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The JIT of one hart. Between blocks the run loop samples where the hart is and where control last entered
/// interpreted code; a page sampled often enough gets a region compiled from where control last entered it, else from
/// the sampled pc.
/// Compiling happens on the VM's compile queue from a copy of the page; the hart installs the result between blocks,
/// only if the page still holds the same code generation, by pointing the slots of the region's entries (block starts) at
/// the region's code (see <see cref="RegionEntryPoint"/>), with the instruction's index in the region (see
/// <see cref="DecodedInstruction.RegionEntryMark"/>).
/// A page whose code changes is re-decoded, which resets its slots and drops its regions with it.
/// </summary>
internal sealed unsafe class RegionJit
{
    private readonly Hart _hart;
    private readonly GuestRam _ram;
    private readonly JitOptions _options;
    private readonly JitCompileQueue _queue;
    private readonly HartLayout _layout;
    private readonly ConcurrentQueue<(CompileRequest Request, CompiledRegion? Compiled)> _ready = new();
    private int _readyCount;

    public RegionJit(Hart hart, CpuEnvironment environment, JitOptions options)
    {
        _hart = hart;
        _ram = environment.Ram;
        _options = options;
        _queue = environment.JitQueue;
        _layout = new HartLayout(hart.State);
    }

    /// <summary>Regions installed since the hart was created.</summary>
    public long RegionsInstalled { get; private set; }

    /// <summary>Called by the run loop after each block, on the hart's thread.</summary>
    public void AfterBlock()
    {
        if (Volatile.Read(ref _readyCount) != 0)
        {
            InstallReady();
        }

        HartState* s = _hart.State;
        Sample(s->Pc, s->LastEntry);
        ulong hot = s->HotEntry;
        if (hot != 0)
        {
            s->HotEntry = 0;
            Sample(hot, hot);
        }
    }

    /// <summary>Compiles <paramref name="request"/> (on the compile queue's thread) and hands the result to the hart.</summary>
    public void CompileAndPost(CompileRequest request)
    {
        CompiledRegion? compiled;
        try
        {
            compiled = Compile(request);
        }
        catch (Exception e) when (e is InvalidProgramException or InvalidOperationException or NotSupportedException)
        {
            // A translation the .NET JIT refuses must not take the process down: the code stays interpreted.
            compiled = null;
        }

        _ready.Enqueue((request, compiled));
        Interlocked.Increment(ref _readyCount);
    }

    /// <summary>
    /// Counts a sample at <paramref name="pc"/> on its page unless compiled code starts there; past the threshold, asks for
    /// a region from <paramref name="hint"/> (where control entered the page) when that is on the page and new, else
    /// from the pc.
    /// </summary>
    /// <remarks>
    /// Two kinds of sample arrive: where each block ended (time spent), and hot entries into interpreted code (see
    /// <see cref="HartState.HotEntry"/>: one per <see cref="Hart.HotEntryPeriod"/> entries a counter sees, so a place is
    /// sampled in proportion to how often control enters it). A hot entry does not skip the page's threshold: while a
    /// guest boots, interpreted entries are everywhere, and compiling at each one flooded the compile thread with cold
    /// code and held back the hot loops (boot-time inflate ran interpreted for a million iterations).
    /// </remarks>
    private void Sample(ulong pc, ulong hint)
    {
        // The page is looked up in the execute TLB rather than taken from the fetch page: a block that a region ended
        // by leaving its page stops with the pc already on the next page, and those samples count too.
        HartState* s = _hart.State;
        ulong* entry = Hart.ExecTlbHit(s, pc);
        if (entry == null)
        {
            return;
        }

        ulong ramPage = entry[2];
        DecodedPage? page = _hart.FindDecodedPage(ramPage);
        if (page is null || (ulong)page.Pointer != entry[1])
        {
            return;
        }

        ulong pageBase = pc & ~(GuestRam.PageSize - 1);
        ulong pcOffset = pc - pageBase;
        JitPageState state = page.Jit ??= new JitPageState();
        // Only a region entry runs compiled code from here. A place inside a region that is not one of its block starts
        // (the target of another region's exit, where a block ended after a CSR write) runs interpreted, so it is sampled
        // like any other. Where control entered the page (the hint) is only preferred as the seed while no region covers
        // it: inside a region it is mostly where some block happened to start.
        if (page.Pointer[pcOffset >> 1].IsRegionEntry)
        {
            return;
        }

        if (state.CompilePending)
        {
            state.CountPendingSample();
            return;
        }

        if (++state.Samples <= _options.Threshold)
        {
            return;
        }

        ulong entryOffset = hint - pageBase;
        int seed;
        if (entryOffset < GuestRam.PageSize && !state.Seeds.Contains((int)entryOffset) && !state.Covers((int)entryOffset))
        {
            seed = (int)entryOffset;
        }
        else if (!state.Seeds.Contains((int)pcOffset))
        {
            seed = (int)pcOffset;
        }
        else
        {
            return;
        }

        uint before = Volatile.Read(ref _ram.CodeGenerations[ramPage]);
        byte[] code = new ReadOnlySpan<byte>(s->RamPointer + (ramPage << 12), (int)GuestRam.PageSize).ToArray();
        uint after = Volatile.Read(ref _ram.CodeGenerations[ramPage]);
        if (before != after || after != page.Generation)
        {
            return;
        }

        state.Seeds.Add(seed);
        state.CompilePending = true;
        state.ResetPendingSamples();
        var request = new CompileRequest(
            this, page, ramPage, after, seed, code, JitPageState.SnapshotEntries(page), state.SnapshotExecuted(page), Hart.UpperHalfAt(s, pageBase + GuestRam.PageSize));
        if (_options.Synchronous)
        {
            CompileAndPost(request);
            InstallReady();
        }
        else
        {
            _queue.Enqueue(request);
        }
    }

    private CompiledRegion? Compile(CompileRequest request)
    {
        Region? region = RegionScanner.Scan(request.Code, request.Seed, _options.MaxRegionInstructions, request.Entries, request.Executed, request.NextPageHalfword);
        if (region is null)
        {
            return null;
        }

        (RegionCode code, DecodedInstruction[] copies) = Build(region, request.Page, _layout, _hart, $"region_{request.RamPage:x}_{request.Seed:x}");
        return new CompiledRegion(request, region, code, copies);
    }

    /// <summary>
    /// Emits <paramref name="region"/> of <paramref name="page"/> and has the .NET JIT compile it, bound to
    /// <paramref name="hart"/>; also returns the pinned copies of the region's slots the code passes to interpreter
    /// handlers (they must live as long as the code).
    /// </summary>
    internal static (RegionCode Code, DecodedInstruction[] Copies) Build(Region region, DecodedPage page, HartLayout layout, Hart hart, string name)
    {
        DecodedInstruction[] copies = GC.AllocateArray<DecodedInstruction>(region.Instructions.Length, pinned: true);
        for (int i = 0; i < region.Instructions.Length; i++)
        {
            copies[i] = region.Instructions[i].Decoded;
        }

        nint copiesAddress = (nint)Unsafe.AsPointer(ref copies[0]);
        DynamicMethod method = RegionEmitter.Emit(region, (nint)page.Pointer, copiesAddress, layout, name);
        var code = (RegionCode)method.CreateDelegate(typeof(RegionCode), hart);

        // Have the .NET JIT compile it here rather than on the hart's first call.
        code(null, null);
        return (code, copies);
    }

    private void InstallReady()
    {
        while (_ready.TryDequeue(out (CompileRequest Request, CompiledRegion? Compiled) item))
        {
            Interlocked.Decrement(ref _readyCount);
            if (item.Request.Page.Jit is { } state)
            {
                state.CompilePending = false;
            }

            if (item.Compiled is not null)
            {
                Install(item.Compiled);
            }
        }
    }

    private void Install(CompiledRegion compiled)
    {
        CompileRequest request = compiled.Request;
        DecodedPage page = request.Page;
        JitPageState? state = page.Jit;
        bool current = state is not null
            && ReferenceEquals(_hart.FindDecodedPage(request.RamPage), page)
            && page.Valid
            && page.Generation == request.Generation
            && Volatile.Read(ref _ram.CodeGenerations[request.RamPage]) == request.Generation;
        if (!current)
        {
            return;
        }

        RegionInstruction[] instructions = compiled.Region.Instructions;
        for (int i = 0; i < instructions.Length; i++)
        {
            state!.Cover(instructions[i].Offset);
        }

        state!.Regions.Add((compiled.Code, compiled.Copies));
        InstructionHandler entryPoint = RegionEntryPoint.Of(compiled.Code);
        bool[] isEntry = compiled.Region.IsEntry;
        for (int i = 0; i < instructions.Length; i++)
        {
            // A slot another region already owns stays with it, but for the new region's seed: control was seen entering
            // there, so the owner (compiled concurrently, or cut off by its size limit) ends soon after it.
            DecodedInstruction* slot = page.Pointer + (instructions[i].Offset >> 1);
            if (isEntry[i] && (!slot->IsRegionEntry || instructions[i].Offset == compiled.Region.Seed))
            {
                slot->Rd = (byte)i;
                slot->Rs1 = (byte)(i >> 8);
                slot->Rs2 = DecodedInstruction.RegionEntryMark;
                slot->Handler = entryPoint;
            }
        }

        RegionsInstalled++;
    }
}
