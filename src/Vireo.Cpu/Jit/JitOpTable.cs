using System.Collections.Frozen;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu.Jit;

/// <summary>Maps the interpreter handler the decoder chose to what the region compiler emits for it.</summary>
internal static unsafe class JitOpTable
{
    // Immutable after type initialisation: a lookup of code addresses, not VM state.
    private static readonly FrozenDictionary<nint, JitOp> s_ops = Build();

    /// <summary>The operation for <paramref name="handler"/>; <see cref="JitOp.Call"/> for handlers not translated.</summary>
    public static JitOp Of(InstructionHandler handler) => s_ops.TryGetValue((nint)handler, out JitOp op) ? op : JitOp.Call;

    private static FrozenDictionary<nint, JitOp> Build()
    {
        var ops = new Dictionary<nint, JitOp>();
        Add(ops, &SystemOps.Illegal, JitOp.CallAndLeave);
        Add(ops, &SystemOps.Ecall, JitOp.CallAndLeave);
        Add(ops, &SystemOps.Ebreak, JitOp.CallAndLeave);
        Add(ops, &SystemOps.Mret, JitOp.CallAndLeave);
        Add(ops, &SystemOps.Sret, JitOp.CallAndLeave);
        Add(ops, &AluOps.Nop, JitOp.Nop);
        Add(ops, &AluOps.Lui, JitOp.Lui);
        Add(ops, &AluOps.Auipc, JitOp.Auipc);
        Add(ops, &AluOps.Addi, JitOp.Addi);
        Add(ops, &AluOps.Slti, JitOp.Slti);
        Add(ops, &AluOps.Sltiu, JitOp.Sltiu);
        Add(ops, &AluOps.Xori, JitOp.Xori);
        Add(ops, &AluOps.Ori, JitOp.Ori);
        Add(ops, &AluOps.Andi, JitOp.Andi);
        Add(ops, &AluOps.Slli, JitOp.Slli);
        Add(ops, &AluOps.Srli, JitOp.Srli);
        Add(ops, &AluOps.Srai, JitOp.Srai);
        Add(ops, &AluOps.Add, JitOp.Add);
        Add(ops, &AluOps.Sub, JitOp.Sub);
        Add(ops, &AluOps.Sll, JitOp.Sll);
        Add(ops, &AluOps.Slt, JitOp.Slt);
        Add(ops, &AluOps.Sltu, JitOp.Sltu);
        Add(ops, &AluOps.Xor, JitOp.Xor);
        Add(ops, &AluOps.Srl, JitOp.Srl);
        Add(ops, &AluOps.Sra, JitOp.Sra);
        Add(ops, &AluOps.Or, JitOp.Or);
        Add(ops, &AluOps.And, JitOp.And);
        Add(ops, &AluOps.Addiw, JitOp.Addiw);
        Add(ops, &AluOps.Slliw, JitOp.Slliw);
        Add(ops, &AluOps.Srliw, JitOp.Srliw);
        Add(ops, &AluOps.Sraiw, JitOp.Sraiw);
        Add(ops, &AluOps.Addw, JitOp.Addw);
        Add(ops, &AluOps.Subw, JitOp.Subw);
        Add(ops, &AluOps.Sllw, JitOp.Sllw);
        Add(ops, &AluOps.Srlw, JitOp.Srlw);
        Add(ops, &AluOps.Sraw, JitOp.Sraw);
        Add(ops, &MulDivOps.Mul, JitOp.Mul);
        Add(ops, &MulDivOps.Mulw, JitOp.Mulw);
        Add(ops, &BitOps.Sh1add, JitOp.Sh1add);
        Add(ops, &BitOps.Sh2add, JitOp.Sh2add);
        Add(ops, &BitOps.Sh3add, JitOp.Sh3add);
        Add(ops, &BitOps.AddUw, JitOp.AddUw);
        Add(ops, &BitOps.Andn, JitOp.Andn);
        Add(ops, &BitOps.Orn, JitOp.Orn);
        Add(ops, &BitOps.Xnor, JitOp.Xnor);
        Add(ops, &BitOps.SextB, JitOp.SextB);
        Add(ops, &BitOps.SextH, JitOp.SextH);
        Add(ops, &BitOps.ZextH, JitOp.ZextH);
        Add(ops, &LoadStoreOps.Lb, JitOp.Lb);
        Add(ops, &LoadStoreOps.Lh, JitOp.Lh);
        Add(ops, &LoadStoreOps.Lw, JitOp.Lw);
        Add(ops, &LoadStoreOps.Ld, JitOp.Ld);
        Add(ops, &LoadStoreOps.Lbu, JitOp.Lbu);
        Add(ops, &LoadStoreOps.Lhu, JitOp.Lhu);
        Add(ops, &LoadStoreOps.Lwu, JitOp.Lwu);
        Add(ops, &LoadStoreOps.Sb, JitOp.Sb);
        Add(ops, &LoadStoreOps.Sh, JitOp.Sh);
        Add(ops, &LoadStoreOps.Sw, JitOp.Sw);
        Add(ops, &LoadStoreOps.Sd, JitOp.Sd);
        Add(ops, &BranchOps.Beq, JitOp.Beq);
        Add(ops, &BranchOps.Bne, JitOp.Bne);
        Add(ops, &BranchOps.Blt, JitOp.Blt);
        Add(ops, &BranchOps.Bge, JitOp.Bge);
        Add(ops, &BranchOps.Bltu, JitOp.Bltu);
        Add(ops, &BranchOps.Bgeu, JitOp.Bgeu);
        Add(ops, &BranchOps.BeqNear, JitOp.BeqNear);
        Add(ops, &BranchOps.BneNear, JitOp.BneNear);
        Add(ops, &BranchOps.BltNear, JitOp.BltNear);
        Add(ops, &BranchOps.BgeNear, JitOp.BgeNear);
        Add(ops, &BranchOps.BltuNear, JitOp.BltuNear);
        Add(ops, &BranchOps.BgeuNear, JitOp.BgeuNear);
        Add(ops, &BranchOps.Jal, JitOp.Jal);
        Add(ops, &BranchOps.JalNear, JitOp.JalNear);
        Add(ops, &BranchOps.Jalr, JitOp.Jalr);
        Add(ops, &AtomicOps.AmoAddW, JitOp.AmoAddW);
        Add(ops, &AtomicOps.AmoAddD, JitOp.AmoAddD);
        Add(ops, &AtomicOps.AmoSwapW, JitOp.AmoSwapW);
        Add(ops, &AtomicOps.AmoSwapD, JitOp.AmoSwapD);
        Add(ops, &AtomicOps.AmoAndW, JitOp.AmoAndW);
        Add(ops, &AtomicOps.AmoAndD, JitOp.AmoAndD);
        Add(ops, &AtomicOps.AmoOrW, JitOp.AmoOrW);
        Add(ops, &AtomicOps.AmoOrD, JitOp.AmoOrD);
        return ops.ToFrozenDictionary();
    }

    private static void Add(Dictionary<nint, JitOp> ops, InstructionHandler handler, JitOp op) => ops.Add((nint)handler, op);
}
