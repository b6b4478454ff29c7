namespace Vireo.Cpu.Tests.Support;

/// <summary>Encodes RISC-V instructions for tests (a tiny assembler, one method per instruction used).</summary>
internal static class Asm
{
    public static uint R(uint opcode, uint funct3, uint funct7, int rd, int rs1, int rs2) =>
        (funct7 << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (funct3 << 12) | ((uint)rd << 7) | opcode;

    public static uint I(uint opcode, uint funct3, int rd, int rs1, int imm) =>
        ((uint)imm << 20) | ((uint)rs1 << 15) | (funct3 << 12) | ((uint)rd << 7) | opcode;

    public static uint S(uint opcode, uint funct3, int rs1, int rs2, int imm) =>
        (((uint)imm >> 5 & 0x7F) << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (funct3 << 12) | (((uint)imm & 31) << 7) | opcode;

    public static uint B(uint funct3, int rs1, int rs2, int imm)
    {
        uint u = (uint)imm;
        return ((u >> 12 & 1) << 31) | ((u >> 5 & 0x3F) << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (funct3 << 12)
            | ((u >> 1 & 0xF) << 8) | ((u >> 11 & 1) << 7) | 0x63;
    }

    public static uint J(int rd, int imm)
    {
        uint u = (uint)imm;
        return ((u >> 20 & 1) << 31) | ((u >> 1 & 0x3FF) << 21) | ((u >> 11 & 1) << 20) | ((u >> 12 & 0xFF) << 12) | ((uint)rd << 7) | 0x6F;
    }

    public static uint Lui(int rd, int imm20) => ((uint)imm20 << 12) | ((uint)rd << 7) | 0x37;

    public static uint Auipc(int rd, int imm20) => ((uint)imm20 << 12) | ((uint)rd << 7) | 0x17;

    public static uint Addi(int rd, int rs1, int imm) => I(0x13, 0, rd, rs1, imm & 0xFFF);

    public static uint Addiw(int rd, int rs1, int imm) => I(0x1B, 0, rd, rs1, imm & 0xFFF);

    public static uint Slli(int rd, int rs1, int shamt) => I(0x13, 1, rd, rs1, shamt);

    public static uint Srai(int rd, int rs1, int shamt) => I(0x13, 5, rd, rs1, 0x400 | shamt);

    public static uint Add(int rd, int rs1, int rs2) => R(0x33, 0, 0, rd, rs1, rs2);

    public static uint Sub(int rd, int rs1, int rs2) => R(0x33, 0, 0x20, rd, rs1, rs2);

    public static uint Op(uint funct3, uint funct7, int rd, int rs1, int rs2) => R(0x33, funct3, funct7, rd, rs1, rs2);

    public static uint Op32(uint funct3, uint funct7, int rd, int rs1, int rs2) => R(0x3B, funct3, funct7, rd, rs1, rs2);

    public static uint Load(uint funct3, int rd, int rs1, int imm) => I(0x03, funct3, rd, rs1, imm & 0xFFF);

    public static uint Store(uint funct3, int rs1, int rs2, int imm) => S(0x23, funct3, rs1, rs2, imm);

    public static uint Ld(int rd, int rs1, int imm) => Load(3, rd, rs1, imm);

    public static uint Lw(int rd, int rs1, int imm) => Load(2, rd, rs1, imm);

    public static uint Sd(int rs2, int rs1, int imm) => Store(3, rs1, rs2, imm);

    public static uint Sw(int rs2, int rs1, int imm) => Store(2, rs1, rs2, imm);

    public static uint Sb(int rs2, int rs1, int imm) => Store(0, rs1, rs2, imm);

    public static uint Beq(int rs1, int rs2, int imm) => B(0, rs1, rs2, imm);

    public static uint Bne(int rs1, int rs2, int imm) => B(1, rs1, rs2, imm);

    public static uint Jal(int rd, int imm) => J(rd, imm);

    public static uint Jalr(int rd, int rs1, int imm) => I(0x67, 0, rd, rs1, imm & 0xFFF);

    public static uint Csrrw(int rd, int csr, int rs1) => I(0x73, 1, rd, rs1, csr);

    public static uint Csrrs(int rd, int csr, int rs1) => I(0x73, 2, rd, rs1, csr);

    public static uint Csrrc(int rd, int csr, int rs1) => I(0x73, 3, rd, rs1, csr);

    public static uint Csrrwi(int rd, int csr, int uimm) => I(0x73, 5, rd, uimm, csr);

    public static uint Amo(uint funct5, bool word, int rd, int rs1, int rs2) => R(0x2F, word ? 2u : 3u, funct5 << 2, rd, rs1, rs2);

    public const uint Ecall = 0x00000073;
    public const uint Ebreak = 0x00100073;
    public const uint Mret = 0x30200073;
    public const uint Sret = 0x10200073;
    public const uint Wfi = 0x10500073;
    public const uint FenceI = 0x0000100F;
    public const uint Nop = 0x00000013;

    public static uint SfenceVma(int rs1, int rs2) => R(0x73, 0, 0x09, 0, rs1, rs2);

    /// <summary>li for values that fit in 32 bits (lui + addiw).</summary>
    public static uint[] Li(int rd, long value)
    {
        int low = (int)(value << 52 >> 52);
        int high = (int)((value - low) >> 12) & 0xFFFFF;
        return [Lui(rd, high), Addiw(rd, rd, low)];
    }
}
