using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

public sealed class IntegerInstructionTests : IDisposable
{
    private const ulong Base = TestMachine.RamBase;
    private readonly TestMachine _m = new();

    public void Dispose() => _m.Dispose();

    private ulong RunOp(uint insn, ulong a, ulong b)
    {
        _m.Hart.Pc = Base;
        _m.Hart.SetRegister(1, a);
        _m.Hart.SetRegister(2, b);
        _m.Load(Base, insn);
        _m.Hart.RequestInstructionCacheFlush();
        _m.Hart.FlushDecodedCode();
        _m.Step();
        Assert.Equal(Base + 4, _m.Hart.Pc);
        return _m.X(3);
    }

    [Theory]
    [InlineData(0u, 0x00u, 5ul, 7ul, 12ul)] // add
    [InlineData(0u, 0x20u, 5ul, 7ul, 0xFFFF_FFFF_FFFF_FFFEul)] // sub
    [InlineData(1u, 0x00u, 1ul, 65ul, 2ul)] // sll uses the low 6 bits
    [InlineData(2u, 0x00u, 0xFFFF_FFFF_FFFF_FFFFul, 0ul, 1ul)] // slt
    [InlineData(3u, 0x00u, 0xFFFF_FFFF_FFFF_FFFFul, 0ul, 0ul)] // sltu
    [InlineData(4u, 0x00u, 0xF0ul, 0xFFul, 0x0Ful)] // xor
    [InlineData(5u, 0x00u, 0x8000_0000_0000_0000ul, 63ul, 1ul)] // srl
    [InlineData(5u, 0x20u, 0x8000_0000_0000_0000ul, 63ul, 0xFFFF_FFFF_FFFF_FFFFul)] // sra
    [InlineData(6u, 0x00u, 0xF0ul, 0x0Ful, 0xFFul)] // or
    [InlineData(7u, 0x00u, 0xF0ul, 0x3Cul, 0x30ul)] // and
    [InlineData(0u, 0x01u, 0xFFFF_FFFF_FFFF_FFFFul, 3ul, 0xFFFF_FFFF_FFFF_FFFDul)] // mul
    [InlineData(1u, 0x01u, 0xFFFF_FFFF_FFFF_FFFFul, 0xFFFF_FFFF_FFFF_FFFFul, 0ul)] // mulh (-1*-1)
    [InlineData(2u, 0x01u, 0xFFFF_FFFF_FFFF_FFFFul, 0xFFFF_FFFF_FFFF_FFFFul, 0xFFFF_FFFF_FFFF_FFFFul)] // mulhsu
    [InlineData(3u, 0x01u, 0xFFFF_FFFF_FFFF_FFFFul, 0xFFFF_FFFF_FFFF_FFFFul, 0xFFFF_FFFF_FFFF_FFFEul)] // mulhu
    [InlineData(4u, 0x01u, 7ul, 0ul, 0xFFFF_FFFF_FFFF_FFFFul)] // div by zero
    [InlineData(4u, 0x01u, 0x8000_0000_0000_0000ul, 0xFFFF_FFFF_FFFF_FFFFul, 0x8000_0000_0000_0000ul)] // div overflow
    [InlineData(5u, 0x01u, 7ul, 0ul, 0xFFFF_FFFF_FFFF_FFFFul)] // divu by zero
    [InlineData(6u, 0x01u, 7ul, 0ul, 7ul)] // rem by zero
    [InlineData(6u, 0x01u, 0x8000_0000_0000_0000ul, 0xFFFF_FFFF_FFFF_FFFFul, 0ul)] // rem overflow
    [InlineData(6u, 0x01u, 0xFFFF_FFFF_FFFF_FFF9ul, 2ul, 0xFFFF_FFFF_FFFF_FFFFul)] // rem -7 % 2
    [InlineData(7u, 0x01u, 7ul, 0ul, 7ul)] // remu by zero
    [InlineData(2u, 0x10u, 3ul, 1ul, 7ul)] // sh1add
    [InlineData(6u, 0x10u, 3ul, 1ul, 25ul)] // sh3add
    [InlineData(7u, 0x20u, 0xFFul, 0x0Ful, 0xF0ul)] // andn
    [InlineData(6u, 0x20u, 0ul, 0xFFFF_FFFF_FFFF_FF00ul, 0xFFul)] // orn
    [InlineData(4u, 0x20u, 0xFFul, 0x0Ful, 0xFFFF_FFFF_FFFF_FF0Ful)] // xnor
    [InlineData(4u, 0x05u, 0xFFFF_FFFF_FFFF_FFFFul, 1ul, 0xFFFF_FFFF_FFFF_FFFFul)] // min
    [InlineData(5u, 0x05u, 0xFFFF_FFFF_FFFF_FFFFul, 1ul, 1ul)] // minu
    [InlineData(6u, 0x05u, 0xFFFF_FFFF_FFFF_FFFFul, 1ul, 1ul)] // max
    [InlineData(7u, 0x05u, 0xFFFF_FFFF_FFFF_FFFFul, 1ul, 0xFFFF_FFFF_FFFF_FFFFul)] // maxu
    [InlineData(1u, 0x30u, 0x8000_0000_0000_0001ul, 1ul, 3ul)] // rol
    [InlineData(5u, 0x30u, 3ul, 1ul, 0x8000_0000_0000_0001ul)] // ror
    [InlineData(1u, 0x24u, 0xFFul, 3ul, 0xF7ul)] // bclr
    [InlineData(5u, 0x24u, 0x8ul, 3ul, 1ul)] // bext
    [InlineData(1u, 0x34u, 0xFFul, 0ul, 0xFEul)] // binv
    [InlineData(1u, 0x14u, 0ul, 63ul, 0x8000_0000_0000_0000ul)] // bset
    public void Register_register_ops(uint funct3, uint funct7, ulong a, ulong b, ulong expected)
    {
        Assert.Equal(expected, RunOp(Op(funct3, funct7, 3, 1, 2), a, b));
    }

    [Theory]
    [InlineData(0u, 0x00u, 0x7FFF_FFFFul, 1ul, 0xFFFF_FFFF_8000_0000ul)] // addw wraps and sign-extends
    [InlineData(0u, 0x20u, 0ul, 1ul, 0xFFFF_FFFF_FFFF_FFFFul)] // subw
    [InlineData(1u, 0x00u, 1ul, 31ul, 0xFFFF_FFFF_8000_0000ul)] // sllw
    [InlineData(5u, 0x00u, 0x8000_0000ul, 31ul, 1ul)] // srlw
    [InlineData(5u, 0x20u, 0x8000_0000ul, 31ul, 0xFFFF_FFFF_FFFF_FFFFul)] // sraw
    [InlineData(0u, 0x01u, 0x10000ul, 0x10000ul, 0ul)] // mulw
    [InlineData(4u, 0x01u, 0x8000_0000ul, 0xFFFF_FFFFul, 0xFFFF_FFFF_8000_0000ul)] // divw overflow
    [InlineData(5u, 0x01u, 5ul, 0ul, 0xFFFF_FFFF_FFFF_FFFFul)] // divuw by zero
    [InlineData(6u, 0x01u, 0xFFFF_FFFBul, 0ul, 0xFFFF_FFFF_FFFF_FFFBul)] // remw by zero
    [InlineData(7u, 0x01u, 0xFFFF_FFFBul, 2ul, 1ul)] // remuw
    [InlineData(0u, 0x04u, 0xFFFF_FFFF_0000_0001ul, 1ul, 2ul)] // add.uw
    [InlineData(2u, 0x10u, 0xFFFF_FFFF_0000_0001ul, 1ul, 3ul)] // sh1add.uw
    [InlineData(1u, 0x30u, 0x8000_0001ul, 1ul, 3ul)] // rolw
    public void Word_ops(uint funct3, uint funct7, ulong a, ulong b, ulong expected)
    {
        Assert.Equal(expected, RunOp(Op32(funct3, funct7, 3, 1, 2), a, b));
    }

    [Theory]
    [InlineData(0x600u, 0x0000_0000_0001_0000ul, 47ul)] // clz
    [InlineData(0x601u, 0ul, 64ul)] // ctz of zero
    [InlineData(0x602u, 0xFF00ul, 8ul)] // cpop
    [InlineData(0x604u, 0x80ul, 0xFFFF_FFFF_FFFF_FF80ul)] // sext.b
    [InlineData(0x605u, 0x8000ul, 0xFFFF_FFFF_FFFF_8000ul)] // sext.h
    public void Unary_bit_ops(uint funct12, ulong a, ulong expected)
    {
        Assert.Equal(expected, RunOp(I(0x13, 1, 3, 1, (int)funct12), a, 0));
    }

    [Fact]
    public void Orc_b_rev8_and_zext_h()
    {
        Assert.Equal(0xFF00_FF00_0000_00FFul, RunOp(I(0x13, 5, 3, 1, 0x287), 0x0100_8000_0000_0001, 0));
        Assert.Equal(0x0807_0605_0403_0201ul, RunOp(I(0x13, 5, 3, 1, 0x6B8), 0x0102_0304_0506_0708, 0));
        Assert.Equal(0x1234ul, RunOp(Op32(4, 0x04, 3, 1, 0), 0xFFFF_1234, 0));
    }

    [Fact]
    public void Immediates_shifts_and_upper()
    {
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFul, RunOp(Addi(3, 1, -1), 0, 0));
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFCul, RunOp(Srai(3, 1, 1), 0xFFFF_FFFF_FFFF_FFF8, 0));
        Assert.Equal(0x8000_0000_0000_0000ul, RunOp(Slli(3, 1, 63), 1, 0));
        Assert.Equal(0xFFFF_FFFF_8000_0000ul, RunOp(Lui(3, 0x80000), 0, 0));
        Assert.Equal(Base + 0x1000, RunOp(Auipc(3, 1), 0, 0));
        Assert.Equal(0x1_0000_0002ul, RunOp(I(0x1B, 1, 3, 1, (0x02 << 6) | 1), 0xFFFF_FFFF_8000_0001, 0)); // slli.uw
    }

    [Fact]
    public void Writes_to_x0_are_discarded()
    {
        _m.Load(Base, Addi(0, 0, 5), Add(3, 0, 0));
        _m.Step(2);
        Assert.Equal(0ul, _m.X(0));
        Assert.Equal(0ul, _m.X(3));
    }

    [Fact]
    public void Branches_and_jumps_link_and_redirect()
    {
        _m.Hart.SetRegister(1, 5);
        _m.Load(
            Base,
            Beq(1, 0, 8), // not taken
            Bne(1, 0, 8), // taken to +12
            Nop,
            Jal(5, 8), // at +12: to +20, x5 = +16
            Nop,
            Jalr(6, 5, 0x10)); // at +20: to x5 + 16 = +32, x6 = +24
        _m.Step(4);
        Assert.Equal(Base + 16, _m.X(5));
        Assert.Equal(Base + 24, _m.X(6));
        Assert.Equal(Base + 32, _m.Hart.Pc);
    }

    [Fact]
    public void Loads_sign_and_zero_extend_and_stores_write_memory()
    {
        _m.Write64(Base + 0x1000, 0x8899_AABB_CCDD_EEFF);
        _m.Hart.SetRegister(1, Base + 0x1000);
        _m.Load(
            Base,
            Load(0, 2, 1, 0), // lb
            Load(4, 3, 1, 0), // lbu
            Load(1, 4, 1, 0), // lh
            Load(5, 5, 1, 0), // lhu
            Load(2, 6, 1, 4), // lw
            Load(6, 7, 1, 4), // lwu
            Ld(8, 1, 0),
            Sw(2, 1, 8),
            Sb(2, 1, 16));
        _m.Step(9);
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFul, _m.X(2));
        Assert.Equal(0xFFul, _m.X(3));
        Assert.Equal(0xFFFF_FFFF_FFFF_EEFFul, _m.X(4));
        Assert.Equal(0xEEFFul, _m.X(5));
        Assert.Equal(0xFFFF_FFFF_8899_AABBul, _m.X(6));
        Assert.Equal(0x8899_AABBul, _m.X(7));
        Assert.Equal(0x8899_AABB_CCDD_EEFFul, _m.X(8));
        Assert.Equal(0xFFFF_FFFFu, _m.Read32(Base + 0x1008));
        Assert.Equal(0xFFul, _m.Read64(Base + 0x1010));
    }

    [Fact]
    public void Misaligned_accesses_across_pages_are_transparent()
    {
        _m.Hart.SetRegister(1, Base + 0x1FFD);
        _m.Hart.SetRegister(2, 0x1122_3344_5566_7788);
        _m.Load(Base, Sd(2, 1, 0), Ld(3, 1, 0), Lw(4, 1, 1));
        _m.Step(3);
        Assert.Equal(0x1122_3344_5566_7788ul, _m.X(3));
        Assert.Equal(0x4455_6677ul, _m.X(4));
        Assert.Equal(0x88ul, _m.Read64(Base + 0x1FF8) >> 40 & 0xFF);
        Assert.Equal(Base + 12, _m.Hart.Pc);
    }

    [Fact]
    public void Mmio_loads_and_stores_reach_the_bus_including_misaligned()
    {
        _m.Hart.SetRegister(1, TestMachine.DeviceBase);
        _m.Hart.SetRegister(2, 0xAABB_CCDD);
        _m.Load(Base, Sw(2, 1, 8), Lw(3, 1, 8), Sw(2, 1, 0x21));
        _m.Step(3);
        Assert.Equal(0xFFFF_FFFF_AABB_CCDDul, _m.X(3));
        Assert.Contains((8ul, 4, 0xAABB_CCDDul, true), _m.Device.Log);
        Assert.Contains((0x21ul, 1, 0xDDul, true), _m.Device.Log);
        Assert.Contains((0x24ul, 1, 0xAAul, true), _m.Device.Log);
    }
}
