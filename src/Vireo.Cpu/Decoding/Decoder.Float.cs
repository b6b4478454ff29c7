using Vireo.Cpu.Interpreter;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Decoding;

/// <summary>F and D decoding. FP destinations keep their register number (f0 is a real register); integer ones use the sink.</summary>
internal static unsafe partial class Decoder
{
    private static InstructionHandler Float(uint insn, DecodedInstruction* d)
    {
        uint opcode = insn & 0x7F;
        uint funct3 = (insn >> 12) & 7;
        uint funct7 = insn >> 25;
        uint rs2 = (insn >> 20) & 31;
        byte fpRd = (byte)((insn >> 7) & 31);
        switch (opcode)
        {
            case 0x07:
                d->Imm = ImmI(insn);
                d->Rd = fpRd;
                return funct3 switch
                {
                    2 => &FloatOps.Flw,
                    3 => &FloatOps.Fld,
                    _ => null,
                };
            case 0x27:
                d->Imm = ImmS(insn);
                return funct3 switch
                {
                    2 => &FloatOps.Fsw,
                    3 => &FloatOps.Fsd,
                    _ => null,
                };
            case 0x43 or 0x47 or 0x4B or 0x4F:
                {
                    if (funct3 is 5 or 6 || (funct7 & 3) > 1)
                    {
                        return null;
                    }

                    d->Rd = fpRd;
                    d->Imm = (int)(funct3 | ((insn >> 27) << 8));
                    bool single = (funct7 & 3) == 0;
                    return opcode switch
                    {
                        0x43 => single ? &FloatOps.FmaddS : &FloatOps.FmaddD,
                        0x47 => single ? &FloatOps.FmsubS : &FloatOps.FmsubD,
                        0x4B => single ? &FloatOps.FnmsubS : &FloatOps.FnmsubD,
                        _ => single ? &FloatOps.FnmaddS : &FloatOps.FnmaddD,
                    };
                }

            default:
                return OpFp(d, funct3, funct7, rs2, fpRd);
        }
    }

    private static InstructionHandler OpFp(DecodedInstruction* d, uint funct3, uint funct7, uint rs2, byte fpRd)
    {
        d->Imm = (int)funct3;
        bool single = (funct7 & 3) == 0;
        if ((funct7 & 3) > 1)
        {
            return null;
        }

        bool roundingValid = funct3 is not (5 or 6);
        switch (funct7 >> 2)
        {
            case 0x00 or 0x01 or 0x02 or 0x03 or 0x0B:
                if (!roundingValid || ((funct7 >> 2) == 0x0B && rs2 != 0))
                {
                    return null;
                }

                d->Rd = fpRd;
                return (funct7 >> 2) switch
                {
                    0x00 => single ? &FloatOps.FaddS : &FloatOps.FaddD,
                    0x01 => single ? &FloatOps.FsubS : &FloatOps.FsubD,
                    0x02 => single ? &FloatOps.FmulS : &FloatOps.FmulD,
                    0x03 => single ? &FloatOps.FdivS : &FloatOps.FdivD,
                    _ => single ? &FloatOps.FsqrtS : &FloatOps.FsqrtD,
                };
            case 0x04:
                d->Rd = fpRd;
                return funct3 switch
                {
                    0 => single ? &FloatOps.FsgnjS : &FloatOps.FsgnjD,
                    1 => single ? &FloatOps.FsgnjnS : &FloatOps.FsgnjnD,
                    2 => single ? &FloatOps.FsgnjxS : &FloatOps.FsgnjxD,
                    _ => null,
                };
            case 0x05:
                d->Rd = fpRd;
                return funct3 switch
                {
                    0 => single ? &FloatOps.FminS : &FloatOps.FminD,
                    1 => single ? &FloatOps.FmaxS : &FloatOps.FmaxD,
                    _ => null,
                };
            case 0x08:
                // FCVT.S.D (funct7 0x20, rs2 1) and FCVT.D.S (funct7 0x21, rs2 0).
                if (!roundingValid)
                {
                    return null;
                }

                d->Rd = fpRd;
                if (single && rs2 == 1)
                {
                    return &FloatOps.FcvtSD;
                }

                return !single && rs2 == 0 ? &FloatOps.FcvtDS : null;
            case 0x14:
                return funct3 switch
                {
                    2 => single ? &FloatOps.FeqS : &FloatOps.FeqD,
                    1 => single ? &FloatOps.FltS : &FloatOps.FltD,
                    0 => single ? &FloatOps.FleS : &FloatOps.FleD,
                    _ => null,
                };
            case 0x18:
                if (!roundingValid)
                {
                    return null;
                }

                return rs2 switch
                {
                    0 => single ? &FloatOps.FcvtWS : &FloatOps.FcvtWD,
                    1 => single ? &FloatOps.FcvtWuS : &FloatOps.FcvtWuD,
                    2 => single ? &FloatOps.FcvtLS : &FloatOps.FcvtLD,
                    3 => single ? &FloatOps.FcvtLuS : &FloatOps.FcvtLuD,
                    _ => null,
                };
            case 0x1A:
                if (!roundingValid)
                {
                    return null;
                }

                d->Rd = fpRd;
                return rs2 switch
                {
                    0 => single ? &FloatOps.FcvtSW : &FloatOps.FcvtDW,
                    1 => single ? &FloatOps.FcvtSWu : &FloatOps.FcvtDWu,
                    2 => single ? &FloatOps.FcvtSL : &FloatOps.FcvtDL,
                    3 => single ? &FloatOps.FcvtSLu : &FloatOps.FcvtDLu,
                    _ => null,
                };
            case 0x1C:
                if (rs2 != 0)
                {
                    return null;
                }

                return funct3 switch
                {
                    0 => single ? &FloatOps.FmvXW : &FloatOps.FmvXD,
                    1 => single ? &FloatOps.FclassS : &FloatOps.FclassD,
                    _ => null,
                };
            case 0x1E:
                if (rs2 != 0 || funct3 != 0)
                {
                    return null;
                }

                d->Rd = fpRd;
                return single ? &FloatOps.FmvWX : &FloatOps.FmvDX;
            default:
                return null;
        }
    }
}
