using Vireo.Cpu.Interpreter;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Decoding;

/// <summary>
/// Turns instruction bits into a <see cref="DecodedInstruction"/>: the handler and its operands, decoded once per
/// cached slot. Every encoding that is not implemented becomes the illegal-instruction handler.
/// </summary>
internal static unsafe partial class Decoder
{
    /// <summary>The page offset of an instruction decoded outside a cached page (the scratch slot): jumps keep their far form.</summary>
    public const int NotOnPage = -1;

    /// <summary>Decodes a 16-bit instruction by expanding it to its 32-bit equivalent.</summary>
    /// <param name="bits">The instruction.</param>
    /// <param name="d">The slot to fill.</param>
    /// <param name="pageOffset">The instruction's byte offset in its decoded page, or <see cref="NotOnPage"/>.</param>
    public static void DecodeCompressed(ushort bits, DecodedInstruction* d, int pageOffset)
    {
        uint expanded = CompressedExpander.Expand(bits);
        if (expanded == 0)
        {
            SetIllegal(d, bits);
            d->Length = 2;
            return;
        }

        Decode(expanded, d, pageOffset);
        d->Length = 2;
    }

    /// <summary>
    /// Decodes a 32-bit instruction. A jump or branch whose target lies on the same page as the instruction gets the
    /// near form of its handler, which hands back the target's slot directly.
    /// </summary>
    /// <param name="insn">The instruction.</param>
    /// <param name="d">The slot to fill.</param>
    /// <param name="pageOffset">The instruction's byte offset in its decoded page, or <see cref="NotOnPage"/>.</param>
    public static void Decode(uint insn, DecodedInstruction* d, int pageOffset)
    {
        uint rd = (insn >> 7) & 31;
        d->Rd = (byte)(rd == 0 ? HartState.SinkRegister : rd);
        d->Rs1 = (byte)((insn >> 15) & 31);
        d->Rs2 = (byte)((insn >> 20) & 31);
        d->Length = 4;
        d->Imm = 0;
        InstructionHandler handler = (insn & 0x7F) switch
        {
            0x37 => Lui(insn, d),
            0x17 => Auipc(insn, d),
            0x6F => Jal(insn, d, pageOffset),
            0x67 => Jalr(insn, d),
            0x63 => Branch(insn, d, pageOffset),
            0x03 => Load(insn, d),
            0x23 => Store(insn, d),
            0x13 => OpImm(insn, d),
            0x1B => OpImm32(insn, d),
            0x33 => Op(insn),
            0x3B => Op32(insn),
            0x0F => MiscMem(insn),
            0x73 => System(insn, d),
            0x2F => Atomic(insn),
            0x07 or 0x27 or 0x43 or 0x47 or 0x4B or 0x4F or 0x53 => Float(insn, d),
            _ => null,
        };
        if (handler == null)
        {
            SetIllegal(d, insn);
            return;
        }

        d->Handler = handler;
    }

    private static void SetIllegal(DecodedInstruction* d, uint bits)
    {
        d->Handler = &SystemOps.Illegal;
        d->Imm = (int)bits;
    }

    private static int ImmI(uint insn) => (int)insn >> 20;

    private static int ImmS(uint insn) => (((int)insn >> 25) << 5) | (int)((insn >> 7) & 0x1F);

    private static int ImmB(uint insn) =>
        (((int)insn >> 31) << 12) | (int)(((insn >> 7) & 1) << 11) | (int)(((insn >> 25) & 0x3F) << 5) | (int)(((insn >> 8) & 0xF) << 1);

    private static int ImmJ(uint insn) =>
        (((int)insn >> 31) << 20) | (int)(((insn >> 12) & 0xFF) << 12) | (int)(((insn >> 20) & 1) << 11) | (int)(((insn >> 21) & 0x3FF) << 1);

    private static InstructionHandler Lui(uint insn, DecodedInstruction* d)
    {
        d->Imm = (int)(insn & 0xFFFFF000);
        return &AluOps.Lui;
    }

    private static InstructionHandler Auipc(uint insn, DecodedInstruction* d)
    {
        d->Imm = (int)(insn & 0xFFFFF000);
        return &AluOps.Auipc;
    }

    private static InstructionHandler Jal(uint insn, DecodedInstruction* d, int pageOffset)
    {
        d->Imm = ImmJ(insn);
        return TargetOnPage(pageOffset, d->Imm) ? &BranchOps.JalNear : &BranchOps.Jal;
    }

    private static InstructionHandler Jalr(uint insn, DecodedInstruction* d)
    {
        d->Imm = ImmI(insn);
        return ((insn >> 12) & 7) == 0 ? &BranchOps.Jalr : null;
    }

    private static InstructionHandler Branch(uint insn, DecodedInstruction* d, int pageOffset)
    {
        d->Imm = ImmB(insn);
        bool near = TargetOnPage(pageOffset, d->Imm);
        return ((insn >> 12) & 7) switch
        {
            0 => near ? &BranchOps.BeqNear : &BranchOps.Beq,
            1 => near ? &BranchOps.BneNear : &BranchOps.Bne,
            4 => near ? &BranchOps.BltNear : &BranchOps.Blt,
            5 => near ? &BranchOps.BgeNear : &BranchOps.Bge,
            6 => near ? &BranchOps.BltuNear : &BranchOps.Bltu,
            7 => near ? &BranchOps.BgeuNear : &BranchOps.Bgeu,
            _ => null,
        };
    }

    private static bool TargetOnPage(int pageOffset, int offset) => pageOffset >= 0 && (uint)(pageOffset + offset) < 4096;

    private static InstructionHandler Load(uint insn, DecodedInstruction* d)
    {
        d->Imm = ImmI(insn);
        return ((insn >> 12) & 7) switch
        {
            0 => &LoadStoreOps.Lb,
            1 => &LoadStoreOps.Lh,
            2 => &LoadStoreOps.Lw,
            3 => &LoadStoreOps.Ld,
            4 => &LoadStoreOps.Lbu,
            5 => &LoadStoreOps.Lhu,
            6 => &LoadStoreOps.Lwu,
            _ => null,
        };
    }

    private static InstructionHandler Store(uint insn, DecodedInstruction* d)
    {
        d->Imm = ImmS(insn);
        return ((insn >> 12) & 7) switch
        {
            0 => &LoadStoreOps.Sb,
            1 => &LoadStoreOps.Sh,
            2 => &LoadStoreOps.Sw,
            3 => &LoadStoreOps.Sd,
            _ => null,
        };
    }

    private static InstructionHandler OpImm(uint insn, DecodedInstruction* d)
    {
        d->Imm = ImmI(insn);
        uint funct6 = insn >> 26;
        uint funct12 = insn >> 20;
        switch ((insn >> 12) & 7)
        {
            case 0: return &AluOps.Addi;
            case 2: return &AluOps.Slti;
            case 3: return &AluOps.Sltiu;
            case 4: return &AluOps.Xori;
            case 6: return &AluOps.Ori;
            case 7: return &AluOps.Andi;
            case 1:
                d->Imm = (int)((insn >> 20) & 63);
                return funct6 switch
                {
                    0x00 => &AluOps.Slli,
                    0x12 => &BitOps.Bclri,
                    0x1A => &BitOps.Binvi,
                    0x0A => &BitOps.Bseti,
                    _ => funct12 switch
                    {
                        0x600 => &BitOps.Clz,
                        0x601 => &BitOps.Ctz,
                        0x602 => &BitOps.Cpop,
                        0x604 => &BitOps.SextB,
                        0x605 => &BitOps.SextH,
                        _ => null,
                    },
                };
            default:
                d->Imm = (int)((insn >> 20) & 63);
                return funct6 switch
                {
                    0x00 => &AluOps.Srli,
                    0x10 => &AluOps.Srai,
                    0x18 => &BitOps.Rori,
                    0x12 => &BitOps.Bexti,
                    _ => funct12 switch
                    {
                        0x287 => &BitOps.OrcB,
                        0x6B8 => &BitOps.Rev8,
                        _ => null,
                    },
                };
        }
    }

    private static InstructionHandler OpImm32(uint insn, DecodedInstruction* d)
    {
        uint funct7 = insn >> 25;
        switch ((insn >> 12) & 7)
        {
            case 0:
                d->Imm = ImmI(insn);
                return &AluOps.Addiw;
            case 1:
                if ((insn >> 26) == 0x02)
                {
                    d->Imm = (int)((insn >> 20) & 63);
                    return &BitOps.SlliUw;
                }

                d->Imm = (int)((insn >> 20) & 31);
                return funct7 == 0 ? &AluOps.Slliw : (insn >> 20) switch
                {
                    0x600 => &BitOps.Clzw,
                    0x601 => &BitOps.Ctzw,
                    0x602 => &BitOps.Cpopw,
                    _ => null,
                };
            case 5:
                d->Imm = (int)((insn >> 20) & 31);
                return funct7 switch
                {
                    0x00 => &AluOps.Srliw,
                    0x20 => &AluOps.Sraiw,
                    0x30 => &BitOps.Roriw,
                    _ => null,
                };
            default:
                return null;
        }
    }

    private static InstructionHandler Op(uint insn)
    {
        uint funct3 = (insn >> 12) & 7;
        return (insn >> 25) switch
        {
            0x00 => funct3 switch
            {
                0 => &AluOps.Add,
                1 => &AluOps.Sll,
                2 => &AluOps.Slt,
                3 => &AluOps.Sltu,
                4 => &AluOps.Xor,
                5 => &AluOps.Srl,
                6 => &AluOps.Or,
                _ => &AluOps.And,
            },
            0x20 => funct3 switch
            {
                0 => &AluOps.Sub,
                4 => &BitOps.Xnor,
                5 => &AluOps.Sra,
                6 => &BitOps.Orn,
                7 => &BitOps.Andn,
                _ => null,
            },
            0x01 => funct3 switch
            {
                0 => &MulDivOps.Mul,
                1 => &MulDivOps.Mulh,
                2 => &MulDivOps.Mulhsu,
                3 => &MulDivOps.Mulhu,
                4 => &MulDivOps.Div,
                5 => &MulDivOps.Divu,
                6 => &MulDivOps.Rem,
                _ => &MulDivOps.Remu,
            },
            0x10 => funct3 switch
            {
                2 => &BitOps.Sh1add,
                4 => &BitOps.Sh2add,
                6 => &BitOps.Sh3add,
                _ => null,
            },
            0x05 => funct3 switch
            {
                4 => &BitOps.Min,
                5 => &BitOps.Minu,
                6 => &BitOps.Max,
                7 => &BitOps.Maxu,
                _ => null,
            },
            0x30 => funct3 switch
            {
                1 => &BitOps.Rol,
                5 => &BitOps.Ror,
                _ => null,
            },
            0x24 => funct3 switch
            {
                1 => &BitOps.Bclr,
                5 => &BitOps.Bext,
                _ => null,
            },
            0x34 => funct3 == 1 ? &BitOps.Binv : null,
            0x14 => funct3 == 1 ? &BitOps.Bset : null,
            _ => null,
        };
    }

    private static InstructionHandler Op32(uint insn)
    {
        uint funct3 = (insn >> 12) & 7;
        return (insn >> 25) switch
        {
            0x00 => funct3 switch
            {
                0 => &AluOps.Addw,
                1 => &AluOps.Sllw,
                5 => &AluOps.Srlw,
                _ => null,
            },
            0x20 => funct3 switch
            {
                0 => &AluOps.Subw,
                5 => &AluOps.Sraw,
                _ => null,
            },
            0x01 => funct3 switch
            {
                0 => &MulDivOps.Mulw,
                4 => &MulDivOps.Divw,
                5 => &MulDivOps.Divuw,
                6 => &MulDivOps.Remw,
                7 => &MulDivOps.Remuw,
                _ => null,
            },
            0x04 => funct3 switch
            {
                0 => &BitOps.AddUw,
                4 when ((insn >> 20) & 31) == 0 => &BitOps.ZextH,
                _ => null,
            },
            0x10 => funct3 switch
            {
                2 => &BitOps.Sh1addUw,
                4 => &BitOps.Sh2addUw,
                6 => &BitOps.Sh3addUw,
                _ => null,
            },
            0x30 => funct3 switch
            {
                1 => &BitOps.Rolw,
                5 => &BitOps.Rorw,
                _ => null,
            },
            _ => null,
        };
    }

    /// <summary>The one encoding of Zihintpause's PAUSE.</summary>
    internal const uint PauseEncoding = 0x0100000F;

    private static InstructionHandler MiscMem(uint insn) => ((insn >> 12) & 7) switch
    {
        // Zihintpause: PAUSE is the FENCE hint with pred = W, succ = 0, fm = 0, rd = rs1 = x0.
        0 when insn == PauseEncoding => &SystemOps.Pause,
        0 => &AluOps.Nop,
        1 => &SystemOps.FenceI,
        _ => null,
    };

    private static InstructionHandler System(uint insn, DecodedInstruction* d)
    {
        uint funct3 = (insn >> 12) & 7;
        if (funct3 == 0)
        {
            d->Imm = (int)insn;
            if ((insn >> 25) == 0x09 && ((insn >> 7) & 31) == 0)
            {
                return &SystemOps.SfenceVma;
            }

            return insn switch
            {
                0x00000073 => &SystemOps.Ecall,
                0x00100073 => &SystemOps.Ebreak,
                0x30200073 => &SystemOps.Mret,
                0x10200073 => &SystemOps.Sret,
                0x10500073 => &SystemOps.Wfi,
                _ => null,
            };
        }

        d->Imm = (int)(insn >> 20);
        return funct3 switch
        {
            1 => &SystemOps.CsrRw,
            2 => &SystemOps.CsrRs,
            3 => &SystemOps.CsrRc,
            5 => &SystemOps.CsrRwi,
            6 => &SystemOps.CsrRsi,
            7 => &SystemOps.CsrRci,
            _ => null,
        };
    }

    private static InstructionHandler Atomic(uint insn)
    {
        uint funct3 = (insn >> 12) & 7;
        if (funct3 != 2 && funct3 != 3)
        {
            return null;
        }

        bool word = funct3 == 2;
        return (insn >> 27) switch
        {
            0x02 when ((insn >> 20) & 31) == 0 => word ? &AtomicOps.LrW : &AtomicOps.LrD,
            0x03 => word ? &AtomicOps.ScW : &AtomicOps.ScD,
            0x01 => word ? &AtomicOps.AmoSwapW : &AtomicOps.AmoSwapD,
            0x00 => word ? &AtomicOps.AmoAddW : &AtomicOps.AmoAddD,
            0x04 => word ? &AtomicOps.AmoXorW : &AtomicOps.AmoXorD,
            0x0C => word ? &AtomicOps.AmoAndW : &AtomicOps.AmoAndD,
            0x08 => word ? &AtomicOps.AmoOrW : &AtomicOps.AmoOrD,
            0x10 => word ? &AtomicOps.AmoMinW : &AtomicOps.AmoMinD,
            0x14 => word ? &AtomicOps.AmoMaxW : &AtomicOps.AmoMaxD,
            0x18 => word ? &AtomicOps.AmoMinuW : &AtomicOps.AmoMinuD,
            0x1C => word ? &AtomicOps.AmoMaxuW : &AtomicOps.AmoMaxuD,
            _ => null,
        };
    }
}
