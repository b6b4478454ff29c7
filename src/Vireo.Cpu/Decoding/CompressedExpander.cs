namespace Vireo.Cpu.Decoding;

/// <summary>
/// Expands an RV64C instruction into the equivalent 32-bit instruction. Reserved encodings expand to 0, which the
/// decoder turns into an illegal-instruction trap carrying the original 16 bits.
/// </summary>
internal static class CompressedExpander
{
    private const uint OpLoad = 0x03;
    private const uint OpLoadFp = 0x07;
    private const uint OpImm = 0x13;
    private const uint OpImm32 = 0x1B;
    private const uint OpStore = 0x23;
    private const uint OpStoreFp = 0x27;
    private const uint Op = 0x33;
    private const uint OpLui = 0x37;
    private const uint Op32 = 0x3B;
    private const uint OpBranch = 0x63;
    private const uint OpJalr = 0x67;
    private const uint OpJal = 0x6F;

    /// <summary>Returns the 32-bit equivalent of <paramref name="c"/>, or 0 when the encoding is reserved.</summary>
    public static uint Expand(ushort c)
    {
        uint quadrant = c & 3u;
        uint funct3 = (uint)(c >> 13) & 7;
        uint rdFull = (uint)(c >> 7) & 31;
        uint rs2Full = (uint)(c >> 2) & 31;
        uint rdPrime = ((uint)(c >> 2) & 7) + 8;
        uint rs1Prime = ((uint)(c >> 7) & 7) + 8;
        return quadrant switch
        {
            0 => Quadrant0(c, funct3, rdPrime, rs1Prime),
            1 => Quadrant1(c, funct3, rdFull, rdPrime, rs1Prime),
            2 => Quadrant2(c, funct3, rdFull, rs2Full),
            _ => 0,
        };
    }

    private static uint Quadrant0(ushort c, uint funct3, uint rdPrime, uint rs1Prime)
    {
        uint doubleOffset = (Bits(c, 12, 10) << 3) | (Bits(c, 6, 5) << 6);
        uint wordOffset = (Bits(c, 12, 10) << 3) | (Bits(c, 6, 6) << 2) | (Bits(c, 5, 5) << 6);
        switch (funct3)
        {
            case 0:
                {
                    uint immediate = (Bits(c, 12, 11) << 4) | (Bits(c, 10, 7) << 6) | (Bits(c, 6, 6) << 2) | (Bits(c, 5, 5) << 3);
                    return immediate == 0 ? 0 : IType(OpImm, rdPrime, 0, 2, immediate);
                }

            case 1: return IType(OpLoadFp, rdPrime, 3, rs1Prime, doubleOffset);
            case 2: return IType(OpLoad, rdPrime, 2, rs1Prime, wordOffset);
            case 3: return IType(OpLoad, rdPrime, 3, rs1Prime, doubleOffset);
            case 5: return SType(OpStoreFp, 3, rs1Prime, rdPrime, doubleOffset);
            case 6: return SType(OpStore, 2, rs1Prime, rdPrime, wordOffset);
            case 7: return SType(OpStore, 3, rs1Prime, rdPrime, doubleOffset);
            default: return 0;
        }
    }

    private static uint Quadrant1(ushort c, uint funct3, uint rd, uint rdPrime, uint rs1Prime)
    {
        uint imm6 = SignExtend((Bits(c, 12, 12) << 5) | Bits(c, 6, 2), 6);
        switch (funct3)
        {
            case 0: return IType(OpImm, rd, 0, rd, imm6);
            case 1: return rd == 0 ? 0 : IType(OpImm32, rd, 0, rd, imm6);
            case 2: return IType(OpImm, rd, 0, 0, imm6);
            case 3:
                if (rd == 2)
                {
                    uint immediate = (Bits(c, 12, 12) << 9) | (Bits(c, 6, 6) << 4) | (Bits(c, 5, 5) << 6) | (Bits(c, 4, 3) << 7) | (Bits(c, 2, 2) << 5);
                    return immediate == 0 ? 0 : IType(OpImm, 2, 0, 2, SignExtend(immediate, 10));
                }
                else
                {
                    uint immediate = (Bits(c, 12, 12) << 17) | (Bits(c, 6, 2) << 12);
                    return immediate == 0 ? 0 : (SignExtend(immediate, 18) & 0xFFFFF000) | (rd << 7) | OpLui;
                }

            case 4: return MiscAlu(c, rs1Prime, rdPrime);
            case 5:
                {
                    uint immediate = (Bits(c, 12, 12) << 11) | (Bits(c, 11, 11) << 4) | (Bits(c, 10, 9) << 8) | (Bits(c, 8, 8) << 10)
                        | (Bits(c, 7, 7) << 6) | (Bits(c, 6, 6) << 7) | (Bits(c, 5, 3) << 1) | (Bits(c, 2, 2) << 5);
                    return JType(0, SignExtend(immediate, 12));
                }

            default:
                {
                    uint immediate = (Bits(c, 12, 12) << 8) | (Bits(c, 11, 10) << 3) | (Bits(c, 6, 5) << 6) | (Bits(c, 4, 3) << 1) | (Bits(c, 2, 2) << 5);
                    return BType(funct3 == 6 ? 0u : 1u, rs1Prime, 0, SignExtend(immediate, 9));
                }
        }
    }

    private static uint MiscAlu(ushort c, uint rd, uint rs2)
    {
        uint shamt = (Bits(c, 12, 12) << 5) | Bits(c, 6, 2);
        switch (Bits(c, 11, 10))
        {
            case 0: return IType(OpImm, rd, 5, rd, shamt);
            case 1: return IType(OpImm, rd, 5, rd, shamt | 0x400);
            case 2: return IType(OpImm, rd, 7, rd, SignExtend(shamt, 6));
            default:
                uint kind = Bits(c, 6, 5);
                if (Bits(c, 12, 12) == 0)
                {
                    return kind switch
                    {
                        0 => RType(Op, rd, 0, rd, rs2, 0x20),
                        1 => RType(Op, rd, 4, rd, rs2, 0),
                        2 => RType(Op, rd, 6, rd, rs2, 0),
                        _ => RType(Op, rd, 7, rd, rs2, 0),
                    };
                }

                return kind switch
                {
                    0 => RType(Op32, rd, 0, rd, rs2, 0x20),
                    1 => RType(Op32, rd, 0, rd, rs2, 0),
                    _ => 0,
                };
        }
    }

    private static uint Quadrant2(ushort c, uint funct3, uint rd, uint rs2)
    {
        uint doubleOffset = (Bits(c, 12, 12) << 5) | (Bits(c, 6, 5) << 3) | (Bits(c, 4, 2) << 6);
        uint doubleStoreOffset = (Bits(c, 12, 10) << 3) | (Bits(c, 9, 7) << 6);
        switch (funct3)
        {
            case 0: return IType(OpImm, rd, 1, rd, (Bits(c, 12, 12) << 5) | Bits(c, 6, 2));
            case 1: return IType(OpLoadFp, rd, 3, 2, doubleOffset);
            case 2:
                {
                    uint offset = (Bits(c, 12, 12) << 5) | (Bits(c, 6, 4) << 2) | (Bits(c, 3, 2) << 6);
                    return rd == 0 ? 0 : IType(OpLoad, rd, 2, 2, offset);
                }

            case 3: return rd == 0 ? 0 : IType(OpLoad, rd, 3, 2, doubleOffset);
            case 4:
                if (Bits(c, 12, 12) == 0)
                {
                    if (rs2 == 0)
                    {
                        return rd == 0 ? 0 : IType(OpJalr, 0, 0, rd, 0);
                    }

                    return RType(Op, rd, 0, 0, rs2, 0);
                }

                if (rs2 == 0)
                {
                    return rd == 0 ? 0x00100073u : IType(OpJalr, 1, 0, rd, 0);
                }

                return RType(Op, rd, 0, rd, rs2, 0);
            case 5: return SType(OpStoreFp, 3, 2, rs2, doubleStoreOffset);
            case 6: return SType(OpStore, 2, 2, rs2, (Bits(c, 12, 9) << 2) | (Bits(c, 8, 7) << 6));
            default: return SType(OpStore, 3, 2, rs2, doubleStoreOffset);
        }
    }

    private static uint Bits(ushort c, int high, int low) => (uint)(c >> low) & ((1u << (high - low + 1)) - 1);

    private static uint SignExtend(uint value, int bits) => (uint)((int)(value << (32 - bits)) >> (32 - bits));

    private static uint IType(uint opcode, uint rd, uint funct3, uint rs1, uint immediate) =>
        (immediate << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode;

    private static uint SType(uint opcode, uint funct3, uint rs1, uint rs2, uint immediate) =>
        ((immediate >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((immediate & 31) << 7) | opcode;

    private static uint RType(uint opcode, uint rd, uint funct3, uint rs1, uint rs2, uint funct7) =>
        (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode;

    private static uint BType(uint funct3, uint rs1, uint rs2, uint immediate) =>
        (((immediate >> 12) & 1) << 31) | (((immediate >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12)
        | (((immediate >> 1) & 0xF) << 8) | (((immediate >> 11) & 1) << 7) | OpBranch;

    private static uint JType(uint rd, uint immediate) =>
        (((immediate >> 20) & 1) << 31) | (((immediate >> 1) & 0x3FF) << 21) | (((immediate >> 11) & 1) << 20)
        | (((immediate >> 12) & 0xFF) << 12) | (rd << 7) | OpJal;
}
