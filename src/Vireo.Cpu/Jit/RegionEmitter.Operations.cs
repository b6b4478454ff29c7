using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Vireo.Core.Memory;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Jit;

/// <summary>The instruction translations: integer ALU, loads and stores through the TLB, branches and jumps.</summary>
internal sealed unsafe partial class RegionEmitter
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitAlu(JitOp op, DecodedInstruction d)
    {
        int rs1 = d.Rs1;
        int rs2 = d.Rs2;
        long imm = d.Imm;
        switch (op)
        {
            case JitOp.Addi: Binary(rs1, imm, OpCodes.Add, d.Rd); break;
            case JitOp.Xori: Binary(rs1, imm, OpCodes.Xor, d.Rd); break;
            case JitOp.Ori: Binary(rs1, imm, OpCodes.Or, d.Rd); break;
            case JitOp.Andi: Binary(rs1, imm, OpCodes.And, d.Rd); break;
            case JitOp.Slti: Compare(rs1, () => _il.Emit(OpCodes.Ldc_I8, imm), OpCodes.Clt, d.Rd); break;
            case JitOp.Sltiu: Compare(rs1, () => _il.Emit(OpCodes.Ldc_I8, imm), OpCodes.Clt_Un, d.Rd); break;
            case JitOp.Slli: ShiftImmediate(rs1, (int)imm, OpCodes.Shl, d.Rd); break;
            case JitOp.Srli: ShiftImmediate(rs1, (int)imm, OpCodes.Shr_Un, d.Rd); break;
            case JitOp.Srai: ShiftImmediate(rs1, (int)imm, OpCodes.Shr, d.Rd); break;
            case JitOp.Add: Binary(rs1, rs2, OpCodes.Add, d.Rd); break;
            case JitOp.Sub: Binary(rs1, rs2, OpCodes.Sub, d.Rd); break;
            case JitOp.Xor: Binary(rs1, rs2, OpCodes.Xor, d.Rd); break;
            case JitOp.Or: Binary(rs1, rs2, OpCodes.Or, d.Rd); break;
            case JitOp.And: Binary(rs1, rs2, OpCodes.And, d.Rd); break;
            case JitOp.Mul: Binary(rs1, rs2, OpCodes.Mul, d.Rd); break;
            case JitOp.Slt: Compare(rs1, () => PushX(rs2), OpCodes.Clt, d.Rd); break;
            case JitOp.Sltu: Compare(rs1, () => PushX(rs2), OpCodes.Clt_Un, d.Rd); break;
            case JitOp.Sll: ShiftRegister(rs1, rs2, 63, OpCodes.Shl, word: false, d.Rd); break;
            case JitOp.Srl: ShiftRegister(rs1, rs2, 63, OpCodes.Shr_Un, word: false, d.Rd); break;
            case JitOp.Sra: ShiftRegister(rs1, rs2, 63, OpCodes.Shr, word: false, d.Rd); break;
            case JitOp.Sllw: ShiftRegister(rs1, rs2, 31, OpCodes.Shl, word: true, d.Rd); break;
            case JitOp.Srlw: ShiftRegister(rs1, rs2, 31, OpCodes.Shr_Un, word: true, d.Rd); break;
            case JitOp.Sraw: ShiftRegister(rs1, rs2, 31, OpCodes.Shr, word: true, d.Rd); break;
            case JitOp.Addiw:
                SetX(d.Rd, () => { PushWord(rs1); _il.Emit(OpCodes.Ldc_I4, (int)imm); _il.Emit(OpCodes.Add); _il.Emit(OpCodes.Conv_I8); });
                break;
            case JitOp.Slliw:
                SetX(d.Rd, () => { PushWord(rs1); _il.Emit(OpCodes.Ldc_I4, (int)imm); _il.Emit(OpCodes.Shl); _il.Emit(OpCodes.Conv_I8); });
                break;
            case JitOp.Srliw:
                SetX(d.Rd, () => { PushWord(rs1); _il.Emit(OpCodes.Ldc_I4, (int)imm); _il.Emit(OpCodes.Shr_Un); _il.Emit(OpCodes.Conv_I8); });
                break;
            case JitOp.Sraiw:
                SetX(d.Rd, () => { PushWord(rs1); _il.Emit(OpCodes.Ldc_I4, (int)imm); _il.Emit(OpCodes.Shr); _il.Emit(OpCodes.Conv_I8); });
                break;
            case JitOp.Addw: WordBinary(rs1, rs2, OpCodes.Add, d.Rd); break;
            case JitOp.Subw: WordBinary(rs1, rs2, OpCodes.Sub, d.Rd); break;
            case JitOp.Mulw: WordBinary(rs1, rs2, OpCodes.Mul, d.Rd); break;
            case JitOp.Sh1add: ShiftAdd(rs1, rs2, 1, d.Rd); break;
            case JitOp.Sh2add: ShiftAdd(rs1, rs2, 2, d.Rd); break;
            case JitOp.Sh3add: ShiftAdd(rs1, rs2, 3, d.Rd); break;
            case JitOp.AddUw:
                SetX(d.Rd, () => { PushX(rs1); _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Conv_U8); PushX(rs2); _il.Emit(OpCodes.Add); });
                break;
            case JitOp.Andn: InvertedBinary(rs1, rs2, OpCodes.And, d.Rd); break;
            case JitOp.Orn: InvertedBinary(rs1, rs2, OpCodes.Or, d.Rd); break;
            case JitOp.Xnor: InvertedBinary(rs1, rs2, OpCodes.Xor, d.Rd); break;
            case JitOp.SextB: Convert(rs1, OpCodes.Conv_I1, OpCodes.Conv_I8, d.Rd); break;
            case JitOp.SextH: Convert(rs1, OpCodes.Conv_I2, OpCodes.Conv_I8, d.Rd); break;
            case JitOp.ZextH: Convert(rs1, OpCodes.Conv_U2, OpCodes.Conv_U8, d.Rd); break;
            default: throw new InvalidOperationException($"No ALU emitter for {op}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Binary(int rs1, long imm, OpCode op, int rd) =>
        SetX(rd, () => { PushX(rs1); _il.Emit(OpCodes.Ldc_I8, imm); _il.Emit(op); });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Binary(int rs1, int rs2, OpCode op, int rd) =>
        SetX(rd, () => { PushX(rs1); PushX(rs2); _il.Emit(op); });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InvertedBinary(int rs1, int rs2, OpCode op, int rd) =>
        SetX(rd, () =>
        {
            PushX(rs1);
            PushX(rs2);
            if (op == OpCodes.Xor)
            {
                _il.Emit(op);
                _il.Emit(OpCodes.Not);
            }
            else
            {
                _il.Emit(OpCodes.Not);
                _il.Emit(op);
            }
        });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compare(int rs1, Action pushRight, OpCode compare, int rd) =>
        SetX(rd, () => { PushX(rs1); pushRight(); _il.Emit(compare); _il.Emit(OpCodes.Conv_U8); });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ShiftImmediate(int rs1, int amount, OpCode shift, int rd) =>
        SetX(rd, () => { PushX(rs1); _il.Emit(OpCodes.Ldc_I4, amount); _il.Emit(shift); });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ShiftRegister(int rs1, int rs2, int mask, OpCode shift, bool word, int rd) =>
        SetX(rd, () =>
        {
            if (word)
            {
                PushWord(rs1);
            }
            else
            {
                PushX(rs1);
            }

            PushX(rs2);
            _il.Emit(OpCodes.Conv_I4);
            _il.Emit(OpCodes.Ldc_I4, mask);
            _il.Emit(OpCodes.And);
            _il.Emit(shift);
            if (word)
            {
                _il.Emit(OpCodes.Conv_I8);
            }
        });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WordBinary(int rs1, int rs2, OpCode op, int rd) =>
        SetX(rd, () => { PushWord(rs1); PushWord(rs2); _il.Emit(op); _il.Emit(OpCodes.Conv_I8); });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ShiftAdd(int rs1, int rs2, int amount, int rd) =>
        SetX(rd, () => { PushX(rs1); _il.Emit(OpCodes.Ldc_I4, amount); _il.Emit(OpCodes.Shl); PushX(rs2); _il.Emit(OpCodes.Add); });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Convert(int rs1, OpCode narrow, OpCode widen, int rd) =>
        SetX(rd, () => { PushX(rs1); _il.Emit(narrow); _il.Emit(widen); });

    /// <summary>Pushes the low 32 bits of x<paramref name="index"/> as an int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushWord(int index)
    {
        PushX(index);
        _il.Emit(OpCodes.Conv_I4);
    }

    /// <summary>
    /// A load: the read-TLB hit path inline (same tag and in-page check as the interpreter's), anything else through
    /// the interpreter handler, which takes the miss, the device access or the fault.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitLoad(RegionInstruction instruction, int index)
    {
        DecodedInstruction d = instruction.Decoded;
        (int size, OpCode load, OpCode widen) = instruction.Op switch
        {
            JitOp.Lb => (1, OpCodes.Ldind_I1, OpCodes.Conv_I8),
            JitOp.Lh => (2, OpCodes.Ldind_I2, OpCodes.Conv_I8),
            JitOp.Lw => (4, OpCodes.Ldind_I4, OpCodes.Conv_I8),
            JitOp.Ld => (8, OpCodes.Ldind_I8, OpCodes.Nop),
            JitOp.Lbu => (1, OpCodes.Ldind_U1, OpCodes.Conv_U8),
            JitOp.Lhu => (2, OpCodes.Ldind_U2, OpCodes.Conv_U8),
            _ => (4, OpCodes.Ldind_U4, OpCodes.Conv_U8),
        };
        EmitMemoryAccess(instruction, index, size, _layout.ReadTlb, _ =>
        {
            // x[rd] = *(T*)(entry[1] + address)
            FieldAddress(HartLayout.X(d.Rd));
            PushHost();
            if (size > 1)
            {
                _il.Emit(OpCodes.Unaligned, (byte)1);
            }

            _il.Emit(load);
            if (widen != OpCodes.Nop)
            {
                _il.Emit(widen);
            }

            _il.Emit(OpCodes.Stind_I8);
        });
    }

    /// <summary>
    /// A store: the write-TLB hit path inline when the page has no decoded code and no hart holds a reservation;
    /// otherwise the interpreter handler, which also runs the store's side effects.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitStore(RegionInstruction instruction, int index)
    {
        DecodedInstruction d = instruction.Decoded;
        (int size, OpCode store, OpCode narrow) = instruction.Op switch
        {
            JitOp.Sb => (1, OpCodes.Stind_I1, OpCodes.Conv_U1),
            JitOp.Sh => (2, OpCodes.Stind_I2, OpCodes.Conv_U2),
            JitOp.Sw => (4, OpCodes.Stind_I4, OpCodes.Conv_U4),
            _ => (8, OpCodes.Stind_I8, OpCodes.Nop),
        };
        EmitMemoryAccess(instruction, index, size, _layout.WriteTlb, slow =>
        {
            EmitWriteHost(slow);
            _il.Emit(OpCodes.Ldloc, _entry);
            PushX(d.Rs2);
            if (narrow != OpCodes.Nop)
            {
                _il.Emit(narrow);
            }

            if (size > 1)
            {
                _il.Emit(OpCodes.Unaligned, (byte)1);
            }

            _il.Emit(store);
        });
    }

    /// <summary>
    /// An AMO the JIT runs itself (add, swap, and, or): on a write-TLB hit at an aligned address, one host interlocked
    /// instruction on guest RAM; anything else (a miss, misalignment, decoded code on the page, a reservation held
    /// anywhere) through the interpreter handler. The Linux page reference counts of a direct I/O request are such AMOs,
    /// several per guest page.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitAmo(RegionInstruction instruction, int index)
    {
        DecodedInstruction d = instruction.Decoded;
        (int size, string name) = instruction.Op switch
        {
            JitOp.AmoAddW => (4, nameof(RegionAtomics.AddW)),
            JitOp.AmoAddD => (8, nameof(RegionAtomics.AddD)),
            JitOp.AmoSwapW => (4, nameof(RegionAtomics.SwapW)),
            JitOp.AmoSwapD => (8, nameof(RegionAtomics.SwapD)),
            JitOp.AmoAndW => (4, nameof(RegionAtomics.AndW)),
            JitOp.AmoAndD => (8, nameof(RegionAtomics.AndD)),
            JitOp.AmoOrW => (4, nameof(RegionAtomics.OrW)),
            _ => (8, nameof(RegionAtomics.OrD)),
        };
        EmitMemoryAccess(instruction, index, size, _layout.WriteTlb, slow =>
        {
            // A misaligned AMO faults (in the handler); a write-TLB hit implies read permission too.
            _il.Emit(OpCodes.Ldloc, _address);
            _il.Emit(OpCodes.Ldc_I8, (long)(size - 1));
            _il.Emit(OpCodes.And);
            _il.Emit(OpCodes.Brtrue, slow);
            EmitWriteHost(slow);
            void Operate()
            {
                _il.Emit(OpCodes.Ldloc, _entry);
                PushX(d.Rs2);
                _il.Emit(OpCodes.Call, typeof(RegionAtomics).GetMethod(name)!);
            }

            if (d.Rd == HartState.SinkRegister)
            {
                // No destination (SetX would emit nothing), but the memory operation still happens.
                Operate();
                _il.Emit(OpCodes.Pop);
            }
            else
            {
                SetX(d.Rd, Operate);
            }
        });
    }

    /// <summary>
    /// Leaves the host address of a write-TLB hit in the entry local, or jumps to <paramref name="slow"/> when the write
    /// has side effects the handler must run: decoded code on the page (CodeFlags) or a reservation held by any hart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitWriteHost(Label slow)
    {
        PushHost();
        _il.Emit(OpCodes.Stloc, _entry);
        FieldAddress(_layout.CodeFlags);
        _il.Emit(OpCodes.Ldind_I);
        _il.Emit(OpCodes.Ldloc, _entry);
        FieldAddress(_layout.RamPointer);
        _il.Emit(OpCodes.Ldind_I);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Ldc_I4, 12);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldind_U1);
        FieldAddress(_layout.ReservationsActive);
        _il.Emit(OpCodes.Ldind_I);
        _il.Emit(OpCodes.Ldind_I4);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Brtrue, slow);
    }

    /// <summary>
    /// The frame of a load or store: the TLB lookup, the hit path <paramref name="emitHit"/> emits (it may jump to the
    /// label it gets to give up), and the interpreter handler for everything else.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitMemoryAccess(RegionInstruction instruction, int index, int size, int tlbOffset, Action<Label> emitHit)
    {
        FoldCount();
        Label slow = _il.DefineLabel();
        Label done = _il.DefineLabel();
        EmitTlbLookup(instruction.Decoded, size, tlbOffset, slow);
        emitHit(slow);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(slow);
        CallHandler(instruction, index, leave: false);
        _il.MarkLabel(done);
    }

    /// <summary>
    /// address = x[rs1] + imm; entry = tlb + (vpn % entries) * 16; jumps to <paramref name="miss"/> unless the tag
    /// matches (vpn | DataSalt) and the access stays inside the page. Leaves the address and entry in locals.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitTlbLookup(DecodedInstruction d, int size, int tlbOffset, Label miss)
    {
        PushX(d.Rs1);
        if (d.Imm != 0)
        {
            _il.Emit(OpCodes.Ldc_I8, (long)d.Imm);
            _il.Emit(OpCodes.Add);
        }

        _il.Emit(OpCodes.Stloc, _address);

        FieldAddress(tlbOffset);
        _il.Emit(OpCodes.Ldloc, _address);
        _il.Emit(OpCodes.Ldc_I4, 12);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldc_I8, (long)(HartState.TlbEntries - 1));
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4, 4);
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Conv_I);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _entry);

        // The tag is compared with the page of the access's last byte: one that crosses into the next page misses
        // (its last byte's page number is one more than the entry's), so no separate in-page check is needed.
        _il.Emit(OpCodes.Ldloc, _entry);
        _il.Emit(OpCodes.Ldind_I8);
        _il.Emit(OpCodes.Ldloc, _address);
        if (size > 1)
        {
            _il.Emit(OpCodes.Ldc_I8, (long)(size - 1));
            _il.Emit(OpCodes.Add);
        }

        _il.Emit(OpCodes.Ldc_I4, 12);
        _il.Emit(OpCodes.Shr_Un);
        LoadField(_layout.DataSalt);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Bne_Un, miss);
    }

    /// <summary>Pushes entry[1] + address: the host address of a TLB hit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushHost()
    {
        _il.Emit(OpCodes.Ldloc, _entry);
        _il.Emit(OpCodes.Ldc_I4_8);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldind_I8);
        _il.Emit(OpCodes.Ldloc, _address);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Conv_U);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitBranch(RegionInstruction instruction)
    {
        DecodedInstruction d = instruction.Decoded;
        bool near = instruction.Op >= JitOp.BeqNear;
        JitOp kind = near ? instruction.Op - (JitOp.BeqNear - JitOp.Beq) : instruction.Op;

        // Branch over the taken path on the inverse condition.
        OpCode notTaken = kind switch
        {
            JitOp.Beq => OpCodes.Bne_Un,
            JitOp.Bne => OpCodes.Beq,
            JitOp.Blt => OpCodes.Bge,
            JitOp.Bge => OpCodes.Blt,
            JitOp.Bltu => OpCodes.Bge_Un,
            _ => OpCodes.Blt_Un,
        };
        FoldCount();
        Label fallThrough = _il.DefineLabel();
        PushX(d.Rs1);
        PushX(d.Rs2);
        _il.Emit(notTaken, fallThrough);
        if (near)
        {
            GoTo(instruction.Offset, instruction.Target);
        }
        else
        {
            ExitFar(() => PushPc(instruction.Offset + (long)d.Imm));
        }

        _il.MarkLabel(fallThrough);
    }

    /// <summary>JALR: the target is computed before the link register is written (rd may equal rs1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitJalr(RegionInstruction instruction)
    {
        DecodedInstruction d = instruction.Decoded;
        PushX(d.Rs1);
        _il.Emit(OpCodes.Ldc_I8, (long)d.Imm);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldc_I8, ~1L);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Stloc, _address);
        SetX(d.Rd, () => PushPc(instruction.FallThrough));
        FoldCount();
        _il.Emit(OpCodes.Ldloc, _address);
        _il.Emit(OpCodes.Stloc, _exitPc);

        // Like Hart.JumpTo: the target's slot when it is on this page, else the other page's slot (or the redirect slot).
        _il.Emit(OpCodes.Ldloc, _address);
        _il.Emit(OpCodes.Ldloc, _base);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _address);
        _il.Emit(OpCodes.Ldloc, _address);
        _il.Emit(OpCodes.Ldc_I8, (long)GuestRam.PageSize);
        _il.Emit(OpCodes.Bge_Un, _exitLeavingPage);
        PushPointer(_slots);
        _il.Emit(OpCodes.Ldloc, _address);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldc_I4, sizeof(DecodedInstruction));
        _il.Emit(OpCodes.Conv_I8);
        _il.Emit(OpCodes.Mul);
        _il.Emit(OpCodes.Conv_I);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _result);

        // A computed jump into the page (a switch, an unrolled loop entered part-way) may land in interpreted code.
        PushResultEntryMark();
        _il.Emit(OpCodes.Beq, _exitToSlot);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldloc, _result);
        _il.Emit(OpCodes.Ldloc, _exitPc);
        _il.Emit(OpCodes.Call, s_exitToInterpreter);
        _il.Emit(OpCodes.Br, _exitToSlot);
    }
}
