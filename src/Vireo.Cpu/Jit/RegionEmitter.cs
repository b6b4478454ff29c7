using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Vireo.Core.Memory;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Jit;

/// <summary>
/// Emits the IL of one region as a method with the slot-handler signature, so the run loop calls it like any handler.
/// Registers stay in <see cref="HartState"/>; the pc is only written where something can observe it (calls into
/// interpreter handlers and exits) and is formed from <see cref="HartState.FetchBase"/>, so one physical page mapped
/// at several virtual addresses runs the same code correctly. Instructions retired are counted in a local and folded
/// into <see cref="HartState.ExtraRetired"/> (and taken off <see cref="HartState.BlockLimit"/>) before anything that can
/// observe them; loops check the block budget on every backward jump, so interrupts are still taken on time.
/// </summary>
/// <remarks>
/// The compile path's methods (here and in <see cref="RegionScanner"/>) are marked
/// <see cref="MethodImplOptions.AggressiveOptimization"/>: compiled once, optimized, instead of at tier 0, then
/// instrumented, then at tier 1. A boot compiles its first regions while the .NET runtime is still tiering up the
/// interpreter, and the JIT's own tier-up was most of what the JIT engine's boot cost over the interpreter's
/// (docs/performance.md, "CPU engine, next tier").
/// </remarks>
internal sealed unsafe partial class RegionEmitter
{
    private static readonly Type s_slotPointer = typeof(DecodedInstruction*);
    private static readonly Type[] s_parameters = [typeof(Hart), typeof(HartState*), typeof(DecodedInstruction*)];
    private static readonly MethodInfo s_leavePage = typeof(Hart).GetMethod(nameof(Hart.LeavePage), BindingFlags.Static | BindingFlags.NonPublic)!;
    private static readonly MethodInfo s_regionCall = typeof(Hart).GetMethod(nameof(Hart.RegionCall), BindingFlags.Static | BindingFlags.NonPublic)!;
    private static readonly MethodInfo s_regionCallAndLeave = typeof(Hart).GetMethod(nameof(Hart.RegionCallAndLeave), BindingFlags.Static | BindingFlags.NonPublic)!;
    private static readonly MethodInfo s_exitToInterpreter = typeof(Hart).GetMethod(nameof(Hart.CountExitToInterpreter), BindingFlags.Static | BindingFlags.NonPublic)!;
    private static readonly MethodInfo s_upperHalfAt = typeof(Hart).GetMethod(nameof(Hart.UpperHalfAt), BindingFlags.Static | BindingFlags.NonPublic)!;
    private static readonly MethodInfo s_regionStraddle = typeof(Hart).GetMethod(nameof(Hart.RegionStraddle), BindingFlags.Static | BindingFlags.NonPublic)!;

    /// <summary>
    /// Byte offset of the 16-bit entry number in a slot that enters a region (its <see cref="DecodedInstruction.Rd"/>
    /// and <see cref="DecodedInstruction.Rs1"/> bytes, little-endian).
    /// </summary>
    private static readonly int s_entryNumberOffset = (int)System.Runtime.InteropServices.Marshal.OffsetOf<DecodedInstruction>(nameof(DecodedInstruction.Rd));

    /// <summary>Byte offset of a slot's handler.</summary>
    private static readonly int s_handlerOffset = (int)System.Runtime.InteropServices.Marshal.OffsetOf<DecodedInstruction>(nameof(DecodedInstruction.Handler));

    /// <summary>Byte offset of the mark that makes a slot a region entry (<see cref="DecodedInstruction.IsRegionEntry"/>).</summary>
    private static readonly int s_entryMarkOffset = (int)System.Runtime.InteropServices.Marshal.OffsetOf<DecodedInstruction>(nameof(DecodedInstruction.Rs2));

    private readonly Region _region;
    private readonly nint _slots;
    private readonly nint _copies;
    private readonly HartLayout _layout;
    private readonly ILGenerator _il;
    private readonly DynamicMethod _method;
    private readonly Label[] _labels;
    private readonly Label _returnResult;
    private readonly LocalBuilder _base;
    private readonly LocalBuilder _pending;
    private readonly LocalBuilder _address;
    private readonly LocalBuilder _entry;
    private readonly LocalBuilder _result;
    private readonly LocalBuilder _exitPc;

    // The region's exits share two tails (publish the pc and the count, then return a slot or leave the page): each exit
    // site only sets the pc (and slot) and jumps there. The .NET JIT's compile time grows with the IL, and exits were
    // the largest part of it after loads and stores.
    private readonly Label _exitToSlot;
    private readonly Label _exitLeavingPage;

    // Instructions emitted since the last add to _pending: a compile-time count, folded in before any branch, call or exit.
    private int _uncounted;

    private RegionEmitter(Region region, nint slots, nint copies, HartLayout layout, string name)
    {
        _region = region;
        _slots = slots;
        _copies = copies;
        _layout = layout;
        _method = new DynamicMethod(name, s_slotPointer, s_parameters, typeof(Hart).Module, skipVisibility: true);
        _il = _method.GetILGenerator(256 + (region.Instructions.Length * 48));
        _labels = new Label[region.Instructions.Length];
        for (int i = 0; i < _labels.Length; i++)
        {
            _labels[i] = _il.DefineLabel();
        }

        _returnResult = _il.DefineLabel();
        _base = _il.DeclareLocal(typeof(long));
        _pending = _il.DeclareLocal(typeof(long));
        _address = _il.DeclareLocal(typeof(long));
        _entry = _il.DeclareLocal(typeof(nint));
        _result = _il.DeclareLocal(typeof(nint));
        _exitPc = _il.DeclareLocal(typeof(long));
        _exitToSlot = _il.DefineLabel();
        _exitLeavingPage = _il.DefineLabel();
    }

    /// <summary>
    /// Emits <paramref name="region"/> of the page whose slots start at <paramref name="slots"/>. Calls into interpreter
    /// handlers pass <paramref name="copies"/>[i], a copy of instruction i's decoded slot that the caller keeps pinned
    /// for as long as the method may run (the page's own slot may be the region's entry, or not decoded yet).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DynamicMethod Emit(Region region, nint slots, nint copies, HartLayout layout, string name)
    {
        var emitter = new RegionEmitter(region, slots, copies, layout, name);
        emitter.EmitMethod();
        return emitter._method;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitMethod()
    {
        // A call with no state only makes the .NET JIT compile the method (on the compiler's thread, not the hart's).
        Label run = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Brtrue, run);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Ret);
        _il.MarkLabel(run);

        LoadField(_layout.FetchBase);
        _il.Emit(OpCodes.Stloc, _base);

        RegionInstruction[] instructions = _region.Instructions;
        Label[] entries = EmitEntryDispatch();
        var uncountedAt = new int[instructions.Length];
        for (int i = 0; i < instructions.Length; i++)
        {
            RegionInstruction instruction = instructions[i];
            if (_region.IsEntry[i])
            {
                // Jumps and entry stubs arrive here with their own count folded in: the count so far belongs to the
                // fall-through path only.
                FoldCount();
            }

            _il.MarkLabel(_labels[i]);
            uncountedAt[i] = _uncounted;
            if (instruction.StraddleUpper >= 0)
            {
                EmitStraddleCheck(instruction);
            }

            _uncounted++;
            bool fallsThrough = EmitInstruction(instruction, i);
            if (fallsThrough)
            {
                int next = instruction.FallThrough;
                bool adjacent = i + 1 < instructions.Length && instructions[i + 1].Offset == next;
                if (!adjacent)
                {
                    GoTo(instruction.Offset, next);
                }
            }
        }

        _il.MarkLabel(_returnResult);
        _il.Emit(OpCodes.Ldloc, _result);
        _il.Emit(OpCodes.Ret);

        // Every path above ended in a return or a jump; the tails start with nothing left to count.
        _uncounted = 0;
        _il.MarkLabel(_exitToSlot);
        StorePc(() => _il.Emit(OpCodes.Ldloc, _exitPc));
        Flush();
        ChainOrReturnResult();

        _il.MarkLabel(_exitLeavingPage);
        StorePc(() => _il.Emit(OpCodes.Ldloc, _exitPc));
        Flush();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Call, s_leavePage);
        _il.Emit(OpCodes.Stloc, _result);
        ChainOrReturnResult();

        // Entry i starts the count so that, once the fall-through path's pending count for instruction i is folded in,
        // it holds the instructions run since entry minus one (the run loop counts one for the call itself).
        for (int i = 0; i < instructions.Length; i++)
        {
            if (_region.IsEntry[i])
            {
                _il.MarkLabel(entries[i]);
                _il.Emit(OpCodes.Ldc_I8, -1L - uncountedAt[i]);
                _il.Emit(OpCodes.Stloc, _pending);
                _il.Emit(OpCodes.Br, _labels[i]);
            }
        }
    }

    /// <summary>
    /// Jumps to the entry stub of the instruction the called slot names (a basic block's start): its entry number (the
    /// instruction's index) is kept in the slot's <see cref="DecodedInstruction.Rd"/> and <see cref="DecodedInstruction.Rs1"/> bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Label[] EmitEntryDispatch()
    {
        // Instructions that are not entries are never named by a slot; their switch arm goes to the seed's stub.
        var entries = new Label[_region.Instructions.Length];
        Label seedEntry = _il.DefineLabel();
        int seedIndex = _region.IndexByOffset[_region.Seed];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = i == seedIndex ? seedEntry : _region.IsEntry[i] ? _il.DefineLabel() : seedEntry;
        }

        _il.Emit(OpCodes.Ldarg_2);
        _il.Emit(OpCodes.Ldc_I4, s_entryNumberOffset);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldind_U2);
        _il.Emit(OpCodes.Switch, entries);
        _il.Emit(OpCodes.Br, seedEntry);
        return entries;
    }

    /// <summary>Emits one instruction; returns whether control can reach its fall-through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool EmitInstruction(RegionInstruction instruction, int index)
    {
        DecodedInstruction d = instruction.Decoded;
        switch (instruction.Op)
        {
            case JitOp.Call:
                CallHandlerInline(instruction, index);
                return true;
            case JitOp.CallAndLeave:
                CallHandler(instruction, index, leave: true);
                return false;
            case JitOp.Nop:
                return true;
            case JitOp.Lui:
                SetX(d.Rd, () => _il.Emit(OpCodes.Ldc_I8, (long)d.Imm));
                return true;
            case JitOp.Auipc:
                SetX(d.Rd, () => PushPc(instruction.Offset + (long)d.Imm));
                return true;
            case >= JitOp.Addi and <= JitOp.ZextH:
                EmitAlu(instruction.Op, d);
                return true;
            case >= JitOp.Lb and <= JitOp.Lwu:
                EmitLoad(instruction, index);
                return true;
            case >= JitOp.Sb and <= JitOp.Sd:
                EmitStore(instruction, index);
                return true;
            case >= JitOp.Beq and <= JitOp.BgeuNear:
                EmitBranch(instruction);
                return true;
            case JitOp.Jal or JitOp.JalNear:
                SetX(d.Rd, () => PushPc(instruction.FallThrough));
                if (instruction.Op == JitOp.JalNear)
                {
                    GoTo(instruction.Offset, instruction.Target);
                }
                else
                {
                    ExitFar(() => PushPc(instruction.Offset + (long)d.Imm));
                }

                return false;
            case JitOp.Jalr:
                EmitJalr(instruction);
                return false;
            case >= JitOp.AmoAddW and <= JitOp.AmoOrD:
                EmitAmo(instruction, index);
                return true;
            default:
                throw new InvalidOperationException($"No emitter for {instruction.Op}.");
        }
    }

    /// <summary>Continues at page offset <paramref name="target"/>: a jump inside the region (budget-checked when backward) or an exit to its slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GoTo(int from, int target)
    {
        FoldCount();
        if (!_region.IndexByOffset.TryGetValue(target, out int index))
        {
            if ((ulong)target < GuestRam.PageSize)
            {
                // The target is outside this region and may run interpreted: count it for the JIT (see HotEntry).
                _il.Emit(OpCodes.Ldarg_1);
                PushPointer(_slots + ((nint)(target >> 1) * sizeof(DecodedInstruction)));
                PushPc(target);
                _il.Emit(OpCodes.Call, s_exitToInterpreter);
            }

            ExitToSlot(target);
            return;
        }

        if (target <= from)
        {
            // remaining = BlockLimit - BlockExecuted; leave at the loop head when the budget is spent.
            Label stay = _il.DefineLabel();
            _il.Emit(OpCodes.Ldloc, _pending);
            LoadField(_layout.BlockLimit);
            LoadField(_layout.BlockExecuted);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Blt, stay);
            ExitToSlot(target);
            _il.MarkLabel(stay);
        }

        _il.Emit(OpCodes.Br, _labels[index]);
    }

    /// <summary>Sets the pc to page offset <paramref name="offset"/>, publishes the count and returns that offset's slot (past the page end: leaves the page).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ExitToSlot(int offset)
    {
        FoldCount();
        PushPc(offset);
        _il.Emit(OpCodes.Stloc, _exitPc);
        if ((ulong)offset >= GuestRam.PageSize)
        {
            _il.Emit(OpCodes.Br, _exitLeavingPage);
            return;
        }

        PushPointer(_slots + ((nint)(offset >> 1) * sizeof(DecodedInstruction)));
        _il.Emit(OpCodes.Stloc, _result);
        _il.Emit(OpCodes.Br, _exitToSlot);
    }

    /// <summary>Sets the pc to the value <paramref name="pushTarget"/> pushes and leaves the page (see <see cref="Hart.LeavePage"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ExitFar(Action pushTarget)
    {
        FoldCount();
        pushTarget();
        _il.Emit(OpCodes.Stloc, _exitPc);
        _il.Emit(OpCodes.Br, _exitLeavingPage);
    }

    /// <summary>
    /// Runs the instruction through its interpreter handler with the exact pc and count published (see
    /// <see cref="Hart.RegionCall"/>); continues only when the handler fell through and the block may go on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CallHandler(RegionInstruction instruction, int index, bool leave)
    {
        FoldCount();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldarg_1);
        PushPointer(_copies + ((nint)index * sizeof(DecodedInstruction)));
        _il.Emit(OpCodes.Ldloc, _pending);
        PushPc(instruction.Offset);
        _il.Emit(OpCodes.Call, leave ? s_regionCallAndLeave : s_regionCall);
        if (leave)
        {
            _il.Emit(OpCodes.Ret);
            return;
        }

        _il.Emit(OpCodes.Stloc, _result);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Stloc, _pending);
        _il.Emit(OpCodes.Ldloc, _result);
        _il.Emit(OpCodes.Brtrue, _returnResult);
    }

    /// <summary>
    /// Like <see cref="CallHandler"/> with the call inline: for an instruction the region always hands to its
    /// interpreter handler (a CSR access, floating point, an AMO), where the extra call of <see cref="Hart.RegionCall"/>
    /// would run every time. Loads and stores, whose handler only runs off the TLB hit path, take the shorter IL.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CallHandlerInline(RegionInstruction instruction, int index)
    {
        FoldCount();
        Flush();
        StorePc(() => PushPc(instruction.Offset));
        nint slot = _copies + ((nint)index * sizeof(DecodedInstruction));
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldarg_1);
        PushPointer(slot);
        PushPointer((nint)instruction.Decoded.Handler);
        _il.EmitCalli(OpCodes.Calli, CallingConventions.Standard, s_slotPointer, s_parameters, null);
        _il.Emit(OpCodes.Stloc, _result);
        _il.Emit(OpCodes.Ldloc, _result);
        PushPointer(slot + (instruction.Decoded.Length * 8));
        _il.Emit(OpCodes.Bne_Un, _returnResult);

        // EndBlock (a CSR write, a privilege change, an AMO storing into this page) or a spent budget: leave with the
        // next slot.
        LoadField(_layout.BlockLimit);
        LoadField(_layout.BlockExecuted);
        _il.Emit(OpCodes.Ble, _returnResult);
    }

    /// <summary>Adds the instructions emitted since the last fold to the runtime count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FoldCount()
    {
        if (_uncounted == 0)
        {
            return;
        }

        _il.Emit(OpCodes.Ldloc, _pending);
        _il.Emit(OpCodes.Ldc_I8, (long)_uncounted);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _pending);
        _uncounted = 0;
    }

    /// <summary>Moves the runtime count into <see cref="HartState.ExtraRetired"/> and off the block budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Flush()
    {
        FoldCount();
        AddToField(_layout.ExtraRetired, add: true);
        AddToField(_layout.BlockLimit, add: false);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Stloc, _pending);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddToField(int offset, bool add)
    {
        FieldAddress(offset);
        _il.Emit(OpCodes.Dup);
        _il.Emit(OpCodes.Ldind_I8);
        _il.Emit(OpCodes.Ldloc, _pending);
        _il.Emit(add ? OpCodes.Add : OpCodes.Sub);
        _il.Emit(OpCodes.Stind_I8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FieldAddress(int offset)
    {
        _il.Emit(OpCodes.Ldarg_1);
        if (offset != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, offset);
            _il.Emit(OpCodes.Add);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadField(int offset)
    {
        FieldAddress(offset);
        _il.Emit(OpCodes.Ldind_I8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StorePc(Action pushValue)
    {
        FieldAddress(_layout.Pc);
        pushValue();
        _il.Emit(OpCodes.Stind_I8);
    }

    /// <summary>Pushes the guest virtual address of page offset <paramref name="offset"/> (which may lie off the page).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushPc(long offset)
    {
        _il.Emit(OpCodes.Ldloc, _base);
        if (offset != 0)
        {
            _il.Emit(OpCodes.Ldc_I8, offset);
            _il.Emit(OpCodes.Add);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushPointer(nint value)
    {
        _il.Emit(OpCodes.Ldc_I8, (long)value);
        _il.Emit(OpCodes.Conv_U);
    }

    /// <summary>
    /// Before an instruction that continues on the next page: unless the execute TLB still maps that page with the
    /// upper half the region was compiled with, the interpreter runs it, decoding it afresh (the next page's mapping or
    /// code may have changed since), and the region leaves with the slot that follows. Not through the instruction's own
    /// slot: that may be this region's entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitStraddleCheck(RegionInstruction instruction)
    {
        Label same = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        PushPc((long)GuestRam.PageSize);
        _il.Emit(OpCodes.Call, s_upperHalfAt);
        _il.Emit(OpCodes.Ldc_I4, instruction.StraddleUpper);
        _il.Emit(OpCodes.Beq, same);

        // This path counts the instruction (the interpreter runs it); the checked path has not folded anything.
        int uncounted = _uncounted;
        _uncounted++;
        FoldCount();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldloc, _pending);
        PushPc(instruction.Offset);
        _il.Emit(OpCodes.Call, s_regionStraddle);
        _il.Emit(OpCodes.Ret);
        _uncounted = uncounted;
        _il.MarkLabel(same);
    }

    /// <summary>
    /// The end of an exit (pc and count published, the next slot in the result local): when that slot enters a region
    /// and the block has budget left, a tail call of it, counted as the run loop counts a call (one instruction, taken
    /// off the budget); otherwise a return of the slot to the run loop. A kernel page was left every few dozen
    /// instructions, and each time the run loop's bookkeeping and its indirect call ran between two regions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ChainOrReturnResult()
    {
        Label toRunLoop = _il.DefineLabel();
        PushResultEntryMark();
        _il.Emit(OpCodes.Bne_Un, toRunLoop);
        LoadField(_layout.BlockLimit);
        LoadField(_layout.BlockExecuted);
        _il.Emit(OpCodes.Ble, toRunLoop);

        _il.Emit(OpCodes.Ldc_I8, 1L);
        _il.Emit(OpCodes.Stloc, _pending);
        Flush();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldloc, _result);
        _il.Emit(OpCodes.Ldloc, _result);
        if (s_handlerOffset != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, s_handlerOffset);
            _il.Emit(OpCodes.Add);
        }

        _il.Emit(OpCodes.Ldind_I);
        _il.Emit(OpCodes.Tailcall);
        _il.EmitCalli(OpCodes.Calli, CallingConventions.Standard, s_slotPointer, s_parameters, null);
        _il.Emit(OpCodes.Ret);

        _il.MarkLabel(toRunLoop);
        _il.Emit(OpCodes.Ldloc, _result);
        _il.Emit(OpCodes.Ret);
    }

    /// <summary>
    /// Pushes the result slot's entry-mark byte and <see cref="DecodedInstruction.RegionEntryMark"/>, for a branch on
    /// whether that slot enters a region.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushResultEntryMark()
    {
        _il.Emit(OpCodes.Ldloc, _result);
        _il.Emit(OpCodes.Ldc_I4, s_entryMarkOffset);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldind_U1);
        _il.Emit(OpCodes.Ldc_I4, (int)DecodedInstruction.RegionEntryMark);
    }

    /// <summary>Pushes x<paramref name="index"/> (x0 reads as the constant 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushX(int index)
    {
        if (index == 0)
        {
            _il.Emit(OpCodes.Ldc_I8, 0L);
            return;
        }

        LoadField(HartLayout.X(index));
    }

    /// <summary>Stores the value <paramref name="pushValue"/> pushes into x<paramref name="rd"/>; nothing for x0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SetX(int rd, Action pushValue)
    {
        if (rd == HartState.SinkRegister)
        {
            return;
        }

        FieldAddress(HartLayout.X(rd));
        pushValue();
        _il.Emit(OpCodes.Stind_I8);
    }
}
