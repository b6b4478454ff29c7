using System.Collections.Concurrent;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Vireo.Core.Memory;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The JIT of one hart. Between blocks the run loop samples where the hart is; a page sampled often enough gets a
/// region compiled from where control last entered it (the redirect slot's last lookup), else from the sampled pc.
/// Compiling happens on the VM's compile queue from a copy of the page; the hart installs the result between blocks,
/// only if the page still holds the same code generation, by pointing the region's entry slots at
/// <see cref="Hart.RunRegion"/> with the region's index in <see cref="Code"/> and the entry's number.
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
    private readonly Stack<int> _free = new();
    private RegionCode?[] _code = new RegionCode?[64];
    private int _codeUsed;
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

    /// <summary>The installed regions by the index their entry slots hold (hart thread only).</summary>
    public RegionCode?[] Code => _code;

    /// <summary>Frees the code indices of a page's regions (its slots were reset or dropped; hart thread only).</summary>
    public void Release(JitPageState state)
    {
        foreach ((int index, DecodedInstruction[] _) in state.Regions)
        {
            _code[index] = null;
            _free.Push(index);
        }

        state.Regions.Clear();
    }

    /// <summary>Called by the run loop after each block, on the hart's thread.</summary>
    public void AfterBlock()
    {
        if (Volatile.Read(ref _readyCount) != 0)
        {
            InstallReady();
        }

        Sample();
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

    private void Sample()
    {
        HartState* s = _hart.State;
        ulong pageBase = s->FetchBase;
        ulong pcOffset = s->Pc - pageBase;
        if (pcOffset >= GuestRam.PageSize || s->FetchSlots == null)
        {
            return;
        }

        ulong ramPage = (s->FetchPhysical - s->RamBase) >> 12;
        DecodedPage? page = _hart.FindDecodedPage(ramPage);
        if (page is null || page.Pointer != s->FetchSlots)
        {
            return;
        }

        JitPageState state = page.Jit ??= new JitPageState(this);
        if (state.CompilePending || state.Covers((int)pcOffset))
        {
            return;
        }

        if (++state.Samples <= _options.Threshold)
        {
            return;
        }

        ulong entryOffset = s->LastEntry - pageBase;
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
        var request = new CompileRequest(this, page, ramPage, after, seed, code);
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
        Region? region = RegionScanner.Scan(request.Code, request.Seed, _options.MaxRegionInstructions);
        if (region is null)
        {
            return null;
        }

        DecodedInstruction[] copies = GC.AllocateArray<DecodedInstruction>(region.Instructions.Length, pinned: true);
        for (int i = 0; i < region.Instructions.Length; i++)
        {
            copies[i] = region.Instructions[i].Decoded;
        }

        string name = $"region_{request.RamPage:x}_{request.Seed:x}";
        nint copiesAddress = (nint)Unsafe.AsPointer(ref copies[0]);
        DynamicMethod method = RegionEmitter.Emit(region, (nint)request.Page.Pointer, copiesAddress, _layout, name);
        var code = (RegionCode)method.CreateDelegate(typeof(RegionCode), _hart);

        // Have the .NET JIT compile it here rather than on the hart's first call.
        code(null, null);
        return new CompiledRegion(request, region, code, copies);
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

        int index = _free.Count > 0 ? _free.Pop() : _codeUsed++;
        if (index == _code.Length)
        {
            Array.Resize(ref _code, _code.Length * 2);
        }

        _code[index] = compiled.Code;
        state!.Regions.Add((index, compiled.Copies));
        int[] entries = compiled.Region.Entries;
        for (int i = 0; i < entries.Length; i++)
        {
            // An entry another region already owns stays with it.
            DecodedInstruction* slot = page.Pointer + (entries[i] >> 1);
            if ((nint)slot->Handler != (nint)(InstructionHandler)(&Hart.RunRegion))
            {
                slot->Imm = index;
                slot->Rd = (byte)i;
                slot->Handler = &Hart.RunRegion;
            }
        }

        RegionsInstalled++;
    }
}
