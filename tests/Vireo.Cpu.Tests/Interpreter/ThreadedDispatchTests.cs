using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;

namespace Vireo.Cpu.Tests.Interpreter;

/// <summary>
/// Runs many instructions per block, so handlers hand each other the next slot directly: fall-through off the end of a
/// page, near and far branches, traps and self-modifying stores in the middle of a run. (Step runs one instruction per
/// block, so it never follows a handed-back slot.)
/// </summary>
public sealed class ThreadedDispatchTests : IDisposable
{
    private const ulong Base = TestMachine.RamBase;
    private readonly TestMachine _m = new();

    public void Dispose() => _m.Dispose();

    /// <summary>Runs exactly <paramref name="count"/> more instructions in as few blocks as the hart allows (traps and code invalidation end a block).</summary>
    private void Run(int count)
    {
        ulong target = _m.Hart.InstructionsRetired + (ulong)count;
        for (int blocks = 0; _m.Hart.InstructionsRetired < target; blocks++)
        {
            Assert.True(blocks < count, "the hart stopped retiring instructions");
            _m.Hart.RunBlock((long)(target - _m.Hart.InstructionsRetired));
        }
    }

    [Fact]
    public void Compressed_instruction_in_the_last_halfword_falls_through_to_the_next_page()
    {
        _m.Load16(Base + 0xFFC, 0x0285, 0x0285); // c.addi x5, 1 twice, the second in the page's last halfword
        _m.Load(Base + 0x1000, Addi(6, 5, 10), Addi(7, 6, 1));
        _m.Hart.Pc = Base + 0xFFC;
        Run(4);
        Assert.Equal(2ul, _m.X(5));
        Assert.Equal(13ul, _m.X(7));
        Assert.Equal(Base + 0x1008, _m.Hart.Pc);
        Assert.Equal(4ul, _m.Hart.InstructionsRetired);
    }

    [Fact]
    public void Full_size_instruction_at_the_end_of_a_page_falls_through_to_the_next_page()
    {
        _m.Load(Base + 0x1FFC, Addi(5, 0, 3));
        _m.Load(Base + 0x2000, Addi(5, 5, 4));
        _m.Hart.Pc = Base + 0x1FFC;
        Run(2);
        Assert.Equal(7ul, _m.X(5));
        Assert.Equal(Base + 0x2004, _m.Hart.Pc);
    }

    [Fact]
    public void Instruction_straddling_a_page_continues_on_the_next_page_in_the_same_block()
    {
        _m.Load16(Base + 0xFFE, (ushort)(Addi(5, 0, 77) & 0xFFFF), (ushort)(Addi(5, 0, 77) >> 16));
        _m.Load(Base + 0x1002, Addi(6, 5, 1), Addi(7, 6, 1));
        _m.Hart.Pc = Base + 0xFFE;
        Run(3);
        Assert.Equal(79ul, _m.X(7));
        Assert.Equal(Base + 0x100A, _m.Hart.Pc);
        Assert.Equal(3ul, _m.Hart.InstructionsRetired);
    }

    [Fact]
    public void Loop_on_one_page_counts_every_instruction()
    {
        // x5 = 100; do { x6 += 2; x5 -= 1; } while (x5 != 0); x7 = 1
        _m.Load(Base + 0x100, Addi(5, 0, 100), Addi(6, 6, 2), Addi(5, 5, -1), Bne(5, 0, -8), Addi(7, 0, 1));
        _m.Hart.Pc = Base + 0x100;
        Run(1 + (3 * 100) + 1);
        Assert.Equal(200ul, _m.X(6));
        Assert.Equal(1ul, _m.X(7));
        Assert.Equal(Base + 0x114, _m.Hart.Pc);
        Assert.Equal(302ul, _m.Hart.InstructionsRetired);
    }

    [Fact]
    public void Branches_and_jumps_leaving_the_page_arrive_at_their_targets()
    {
        _m.Load(Base + 0xFF8, Beq(0, 0, 0x10)); // to Base + 0x1008, on the next page
        _m.Load(Base + 0x1008, Addi(5, 0, 1), Jal(1, -0x100C)); // back to Base - 4 + ... = Base
        _m.Load(Base, Addi(6, 0, 2), Jal(0, 0x3000)); // forward three pages
        _m.Load(Base + 0x3004, Addi(7, 0, 3));
        _m.Hart.Pc = Base + 0xFF8;
        Run(6);
        Assert.Equal(1ul, _m.X(5));
        Assert.Equal(2ul, _m.X(6));
        Assert.Equal(3ul, _m.X(7));
        Assert.Equal(Base + 0x1010, _m.X(1));
        Assert.Equal(Base + 0x3008, _m.Hart.Pc);
    }

    [Fact]
    public void Near_branch_to_the_first_and_last_slots_of_its_page()
    {
        _m.Load(Base + 0x1000, Addi(5, 5, 1), Jal(0, 0xFF8)); // to Base + 0x1FFC
        _m.Load(Base + 0x1FFC, Beq(5, 5, -0xFFC)); // back to Base + 0x1000
        _m.Hart.Pc = Base + 0x1000;
        Run(3 * 5);
        Assert.Equal(5ul, _m.X(5));
        Assert.Equal(Base + 0x1000, _m.Hart.Pc);
    }

    [Fact]
    public void Store_to_the_next_instruction_is_seen_without_fence_i()
    {
        _m.Hart.SetRegister(8, Base + 0x108);
        _m.Hart.SetRegister(7, Addi(5, 0, 2));
        _m.Load(Base + 0x100, Addi(5, 0, 1), Sw(7, 8, 0), Addi(5, 0, 1), Addi(6, 5, 0));
        _m.Hart.Pc = Base + 0x100;

        // Decode the page first, so the stale decoded slot exists when the store lands.
        Run(1);
        _m.Hart.Pc = Base + 0x100;
        Run(4);
        Assert.Equal(2ul, _m.X(6));
    }

    [Fact]
    public void Fault_in_the_middle_of_a_run_enters_the_handler_with_the_faulting_pc()
    {
        _m.Hart.WriteCsr(0x305, Base + 0x2000); // mtvec
        _m.Load(Base + 0x2000, Addi(9, 0, 42));
        _m.Load(Base + 0x100, Addi(5, 0, 1), Ld(6, 0, 8), Addi(5, 0, 2)); // a load from address 8: access fault
        _m.Hart.Pc = Base + 0x100;
        Run(3);
        Assert.Equal(1ul, _m.X(5));
        Assert.Equal(42ul, _m.X(9));
        Assert.Equal(5ul, _m.Hart.ReadCsr(0x342)); // load access fault
        Assert.Equal(Base + 0x104, _m.Hart.ReadCsr(0x341));
        Assert.Equal(Base + 0x2004, _m.Hart.Pc);
    }
}
