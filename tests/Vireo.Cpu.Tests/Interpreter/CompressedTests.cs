using Vireo.Cpu.Decoding;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

public sealed class CompressedTests : IDisposable
{
    private const ulong Base = TestMachine.RamBase;
    private readonly TestMachine _m = new();

    public void Dispose() => _m.Dispose();

    [Theory]
    [InlineData((ushort)0x0000)] // all zeros
    [InlineData((ushort)0x0004)] // c.addi4spn with a zero immediate
    [InlineData((ushort)0x8000)] // quadrant 0, funct3 4
    [InlineData((ushort)0x2001)] // c.addiw rd = 0
    [InlineData((ushort)0x6281)] // c.lui with a zero immediate
    [InlineData((ushort)0x6101)] // c.addi16sp with a zero immediate
    [InlineData((ushort)0x9C41)] // reserved misc-alu (funct 10 with bit 12)
    [InlineData((ushort)0x4002)] // c.lwsp rd = 0
    [InlineData((ushort)0x6002)] // c.ldsp rd = 0
    [InlineData((ushort)0x8002)] // c.jr x0
    public void Reserved_encodings_trap_with_the_16_bits_in_tval(ushort parcel)
    {
        _m.Hart.WriteCsr(0x305, Base + 0x1000);
        _m.Load16(Base, parcel);
        _m.Hart.Pc = Base;
        _m.Step();
        Assert.Equal(2ul, _m.Hart.ReadCsr(0x342));
        Assert.Equal((ulong)parcel, _m.Hart.ReadCsr(0x343));
        Assert.Equal(Base, _m.Hart.ReadCsr(0x341));
    }

    [Fact]
    public void Compressed_instructions_execute_and_advance_by_two()
    {
        _m.Load16(
            Base,
            0x52FD, // c.li x5, -1
            0x028D, // c.addi x5, 3
            0x8316, // c.mv x6, x5
            0x9316, // c.add x6, x5
            0x0312); // c.slli x6, 4
        _m.Hart.Pc = Base;
        _m.Step(5);
        Assert.Equal(2ul, _m.X(5));
        Assert.Equal(64ul, _m.X(6));
        Assert.Equal(Base + 10, _m.Hart.Pc);
    }

    [Theory]
    [InlineData((ushort)0x52FD, 0xFFF00293u)] // c.li x5, -1 -> addi x5, x0, -1
    [InlineData((ushort)0x1141, 0xFF010113u)] // c.addi sp, -16
    [InlineData((ushort)0xE406, 0x00113423u)] // c.sdsp ra, 8(sp)
    [InlineData((ushort)0x60A2, 0x00813083u)] // c.ldsp ra, 8(sp)
    [InlineData((ushort)0x8082, 0x00008067u)] // c.jr ra (ret)
    [InlineData((ushort)0x9002, 0x00100073u)] // c.ebreak
    public void Expansion_matches_the_32_bit_encoding(ushort parcel, uint expected)
    {
        Assert.Equal(expected, CompressedExpander.Expand(parcel));
    }

    [Fact]
    public void Compressed_branch_expands_with_its_offset()
    {
        Assert.Equal(B(0, 10, 0, 6), CompressedExpander.Expand(0xC119)); // c.beqz a0, +6
    }

    [Fact]
    public void Thirty_two_bit_instruction_straddling_a_page_executes()
    {
        ulong at = Base + 0xFFE;
        _m.Load16(at, (ushort)(Addi(5, 0, 77) & 0xFFFF), (ushort)(Addi(5, 0, 77) >> 16));
        _m.Hart.Pc = at;
        _m.Step();
        Assert.Equal(77ul, _m.X(5));
        Assert.Equal(Base + 0x1002, _m.Hart.Pc);
    }

    [Fact]
    public void Straddling_instruction_reads_its_current_upper_half_once_the_next_page_has_run()
    {
        // The second iteration takes the upper half through the execute TLB entry the next page's jal filled; the
        // change to it must still be seen (it is read from RAM every time).
        ulong at = Base + 0xFFE;
        uint first = Addi(5, 5, 1);
        uint second = Addi(5, 5, 100);
        uint back = Jal(0, -4);
        _m.Load16(at, (ushort)(first & 0xFFFF), (ushort)(first >> 16), (ushort)(back & 0xFFFF), (ushort)(back >> 16));
        _m.Hart.Pc = at;
        _m.Step(4);
        Assert.Equal(2ul, _m.X(5));

        _m.Load16(Base + 0x1000, (ushort)(second >> 16));
        _m.Step(2);
        Assert.Equal(102ul, _m.X(5));
        Assert.Equal(at, _m.Hart.Pc);
    }

    [Fact]
    public void Self_modifying_code_is_seen_after_fence_i()
    {
        _m.Hart.SetRegister(8, Base);
        _m.Hart.SetRegister(7, Addi(5, 0, 2));
        _m.Load(Base, Addi(5, 0, 1), Sw(7, 8, 0), FenceI, Jal(0, -12));
        _m.Hart.Pc = Base;
        _m.Step();
        Assert.Equal(1ul, _m.X(5));
        _m.Step(4);
        Assert.Equal(2ul, _m.X(5));
        Assert.Equal(Base + 4, _m.Hart.Pc);
    }

    [Fact]
    public void Dma_into_a_code_page_invalidates_its_decoded_instructions()
    {
        _m.Load(Base + 0x2000, Addi(5, 0, 1), Jal(0, -4));
        _m.Load(Base, Jal(0, 0x2000));
        _m.Hart.Pc = Base;
        _m.Step(2);
        Assert.Equal(1ul, _m.X(5));
        _m.Ram.TryWrite(Base + 0x2000, BitConverter.GetBytes(Addi(5, 0, 9)));
        _m.Hart.Pc = Base;
        _m.Step(2);
        Assert.Equal(9ul, _m.X(5));
    }
}
