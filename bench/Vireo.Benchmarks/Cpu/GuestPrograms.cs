namespace Vireo.Benchmarks.Cpu;

/// <summary>Hand-encoded RV64 loops for the interpreter benchmarks. Each ends by writing the exit device.</summary>
internal static class GuestPrograms
{
    /// <summary>Iterations of every loop.</summary>
    public const int Iterations = 2_000_000;

    /// <summary>Integer ALU loop: 6 instructions per iteration.</summary>
    public static (uint[] Code, long Instructions) Integer()
    {
        var code = new List<uint>();
        code.AddRange(Li(5, Iterations)); // t0 = n
        code.Add(Addi(6, 6, 1)); // loop: t1 += 1
        code.Add(R(0x33, 4, 0, 7, 7, 6)); // t2 ^= t1
        code.Add(R(0x33, 0, 0, 28, 28, 7)); // t3 += t2
        code.Add(I(0x13, 1, 29, 28, 1)); // t4 = t3 << 1
        code.Add(Addi(5, 5, -1)); // t0--
        code.Add(B(1, 5, 0, -20)); // bnez t0, loop
        code.AddRange(Exit());
        return (code.ToArray(), 2 + (6L * Iterations) + 3);
    }

    /// <summary>Load/store loop over a 64 KiB buffer: 7 instructions per iteration, 2 memory accesses.</summary>
    public static (uint[] Code, long Instructions) Memory()
    {
        var code = new List<uint>();
        code.AddRange(Li(5, Iterations));
        code.Add(Auipc(10, 0x100)); // a0 = buffer, 1 MiB past the code
        code.Add(Lui(11, 0x10)); // a1 = 0x10000 (buffer size)
        code.Add(Addi(11, 11, -8)); // a1 = mask
        code.Add(R(0x33, 0, 0, 12, 10, 13)); // loop: a2 = a0 + a3
        code.Add(I(0x03, 3, 6, 12, 0)); // ld t1, 0(a2)
        code.Add(Addi(6, 6, 1));
        code.Add(S(0x23, 3, 12, 6, 0)); // sd t1, 0(a2)
        code.Add(Addi(13, 13, 8)); // a3 += 8
        code.Add(R(0x33, 7, 0, 13, 13, 11)); // a3 &= mask
        code.Add(Addi(5, 5, -1));
        code.Add(B(1, 5, 0, -28));
        code.AddRange(Exit());
        return (code.ToArray(), 5 + (8L * Iterations) + 3);
    }

    /// <summary>Data-dependent branches: 7 or 8 instructions per iteration, the branch alternating unpredictably.</summary>
    public static (uint[] Code, long Instructions) Branchy()
    {
        var code = new List<uint>();
        code.AddRange(Li(5, Iterations));
        code.AddRange(Li(6, 0x1234567)); // t1 = LCG state
        code.AddRange(Li(7, 1103515245)); // t2 = multiplier
        code.Add(R(0x33, 0, 1, 6, 6, 7)); // loop: t1 *= t2
        code.Add(Addi(6, 6, 12345)); // t1 += 12345
        code.Add(I(0x13, 5, 28, 6, 16)); // t3 = t1 >> 16
        code.Add(I(0x13, 7, 28, 28, 1)); // t3 &= 1
        code.Add(B(0, 28, 0, 8)); // beqz t3, skip
        code.Add(Addi(29, 29, 1)); // t4++
        code.Add(Addi(5, 5, -1)); // skip: t0--
        code.Add(B(1, 5, 0, -28));
        code.AddRange(Exit());
        return (code.ToArray(), 6 + (7L * Iterations) + (Iterations / 2) + 3);
    }

    /// <summary>
    /// A call to a function on the next page and its return, in a loop: 7 instructions and two page crossings per
    /// iteration (kernel code leaves its page every few dozen instructions; this is the worst case of it).
    /// </summary>
    public static (uint[] Code, long Instructions) CrossPage()
    {
        const int Far = 0x1000;
        var code = new List<uint>();
        code.AddRange(Li(5, Iterations));
        int loop = code.Count * 4;
        code.Add(Jal(1, Far - loop)); // loop: call far
        code.Add(Addi(6, 6, 1));
        code.Add(Addi(5, 5, -1));
        code.Add(B(1, 5, 0, loop - (code.Count * 4))); // bnez t0, loop
        code.AddRange(Exit());
        while (code.Count * 4 < Far)
        {
            code.Add(Addi(0, 0, 0));
        }

        code.Add(Addi(7, 7, 1)); // far: on the next page
        code.Add(Addi(28, 28, 3));
        code.Add(I(0x67, 0, 0, 1, 0)); // ret
        return (code.ToArray(), 2 + (7L * Iterations) + 3);
    }

    private static uint[] Exit() =>
    [
        Lui(5, 0x100), // t0 = exit device
        Addi(6, 0, 1),
        S(0x23, 2, 5, 6, 0), // sw t1, 0(t0)
        0x0000006F, // j .
    ];

    private static uint[] Li(int rd, long value)
    {
        int low = (int)(value << 52 >> 52);
        int high = (int)((value - low) >> 12) & 0xFFFFF;
        return [Lui(rd, high), I(0x1B, 0, rd, rd, low & 0xFFF)];
    }

    private static uint R(uint opcode, uint funct3, uint funct7, int rd, int rs1, int rs2) =>
        (funct7 << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (funct3 << 12) | ((uint)rd << 7) | opcode;

    private static uint I(uint opcode, uint funct3, int rd, int rs1, int imm) =>
        ((uint)imm << 20) | ((uint)rs1 << 15) | (funct3 << 12) | ((uint)rd << 7) | opcode;

    private static uint Addi(int rd, int rs1, int imm) => I(0x13, 0, rd, rs1, imm & 0xFFF);

    private static uint Jal(int rd, int imm)
    {
        uint u = (uint)imm;
        return ((u >> 20 & 1) << 31) | ((u >> 1 & 0x3FF) << 21) | ((u >> 11 & 1) << 20) | ((u >> 12 & 0xFF) << 12) | ((uint)rd << 7) | 0x6F;
    }

    private static uint Lui(int rd, int imm20) => ((uint)imm20 << 12) | ((uint)rd << 7) | 0x37;

    private static uint Auipc(int rd, int imm20) => ((uint)imm20 << 12) | ((uint)rd << 7) | 0x17;

    private static uint S(uint opcode, uint funct3, int rs1, int rs2, int imm) =>
        (((uint)imm >> 5 & 0x7F) << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (funct3 << 12) | (((uint)imm & 31) << 7) | opcode;

    private static uint B(uint funct3, int rs1, int rs2, int imm)
    {
        uint u = (uint)imm;
        return ((u >> 12 & 1) << 31) | ((u >> 5 & 0x3F) << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (funct3 << 12)
            | ((u >> 1 & 0xF) << 8) | ((u >> 11 & 1) << 7) | 0x63;
    }
}
