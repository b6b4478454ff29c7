using Vireo.Cpu.Decoding;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;
using Vireo.Cpu.Tests.Support;
using static Vireo.Cpu.Tests.Support.Asm;
using static Vireo.Cpu.Tests.Support.JitHarness;

namespace Vireo.Cpu.Tests.Jit;

/// <summary>
/// Random programs (integer ALU, loads and stores, forward branches, loops, instructions the JIT hands to the
/// interpreter) run on an interpreted hart and on a hart that compiles every page it samples; registers, memory, the pc
/// and the instruction count must come out the same.
/// </summary>
public sealed class JitDifferentialTests
{
    private const ulong DataBase = TestMachine.RamBase + 0x10000;
    private const int DataRegister = 10;
    private const int CounterRegister = 16;

    [Fact]
    public void Random_programs_give_the_same_state_compiled_and_interpreted()
    {
        var random = new Random(20261124);
        for (int program = 0; program < 150; program++)
        {
            uint[] code = Generate(random, out int endOffset);
            ulong[] registers = new ulong[16];
            for (int i = 1; i < registers.Length; i++)
            {
                registers[i] = random.Next(4) == 0 ? (ulong)random.Next(-64, 64) : (ulong)random.NextInt64() * 3;
            }

            byte[] data = new byte[4096];
            random.NextBytes(data);
            ulong end = CodeBase + (ulong)endOffset;

            using var interpreted = new TestMachine();
            using var compiled = new TestMachine(jit: new JitOptions { Threshold = 0, Synchronous = true });
            Prepare(interpreted, code, registers, data);
            Prepare(compiled, code, registers, data);
            Run(interpreted.Hart, end, jit: false);
            Run(compiled.Hart, end, jit: true);

            for (int r = 1; r < 32; r++)
            {
                Assert.True(interpreted.X(r) == compiled.X(r), $"program {program}: x{r} is {compiled.X(r):x} compiled, {interpreted.X(r):x} interpreted");
            }

            Assert.Equal(interpreted.Hart.InstructionsRetired, compiled.Hart.InstructionsRetired);
            for (int i = 0; i < data.Length; i += 8)
            {
                Assert.True(interpreted.Read64(DataBase + (ulong)i) == compiled.Read64(DataBase + (ulong)i), $"program {program}: data at +{i:x} differs");
            }

            Assert.True(compiled.Hart.Jit!.RegionsInstalled > 0, $"program {program}: nothing was compiled");
        }
    }

    [Fact]
    public void Store_into_a_compiled_loop_runs_the_new_instruction_on_the_next_iteration()
    {
        ulong patched = CodeBase + 12;
        uint replacement = Addi(5, 5, 100);
        uint[] code =
        [
            Addi(CounterRegister, 0, 3), // 0
            Lui(7, (int)(replacement >> 12) + ((replacement & 0x800) != 0 ? 1 : 0)), // 4
            Addi(7, 7, (int)(replacement & 0xFFF)), // 8: x7 = replacement
            Addi(5, 5, 1), // 12: patched on the first iteration
            Sw(7, 8, 0), // 16: *(x8) = replacement
            Addi(CounterRegister, CounterRegister, -1), // 20
            Bne(CounterRegister, 0, -12), // 24: back to 12
            Wfi, // 28
        ];
        using TestMachine m = Loaded(code, new JitOptions { Threshold = 0, Synchronous = true });
        m.Hart.SetRegister(8, patched);
        Run(m.Hart, CodeBase + 32, jit: true);

        // First pass adds 1, then the store replaces the addi: 1 + 100 + 100.
        Assert.Equal(201ul, m.X(5));
    }

    [Fact]
    public unsafe void In_page_calls_compile_their_return_point_and_count_exactly()
    {
        uint[] code =
        [
            Addi(CounterRegister, 0, 50), // 0
            Jal(1, 24), // 4: call 28
            Addi(5, 5, 3), // 8: the return point
            Addi(CounterRegister, CounterRegister, -1), // 12
            Bne(CounterRegister, 0, -12), // 16: back to 4
            Wfi, // 20
            Addi(0, 0, 0), // 24
            Addi(6, 6, 7), // 28: the callee
            Jalr(0, 1, 0), // 32: ret
        ];
        using TestMachine interpreted = Loaded(code, jit: null);
        using TestMachine compiled = Loaded(code, new JitOptions { Threshold = 0, Synchronous = true });

        Run(interpreted.Hart, CodeBase + 24, jit: false);
        Run(compiled.Hart, CodeBase + 24, jit: true);

        Assert.Equal(150ul, compiled.X(5));
        Assert.Equal(350ul, compiled.X(6));
        Assert.Equal(interpreted.Hart.InstructionsRetired, compiled.Hart.InstructionsRetired);

        // The return lands in compiled code, in the region of the loop and the callee: the scan follows a call to its
        // return point, which becomes one of the region's entries.
        DecodedPage page = CodePage(compiled);
        Assert.True(Slot(page, 8)->IsRegionEntry, "the call's return point is not compiled");
        Assert.Equal(RegionAt(page, 4), RegionAt(page, 8));
        Assert.Equal(RegionAt(page, 4), RegionAt(page, 28));
    }

    [Fact]
    public void A_later_region_stops_at_an_installed_region_entry_and_counts_exactly()
    {
        uint[] code =
        [
            Auipc(7, 0), // 0: x7 = the code's base
            Addi(CounterRegister, 0, 200), // 4: more iterations than it takes the callee to become a hot entry
            Addi(5, 5, 1), // 8: the loop head
            Jalr(1, 7, 28), // 12: an indirect call to 28, which the first region cannot follow
            Addi(CounterRegister, CounterRegister, -1), // 16: the return point, an entry of the first region
            Bne(CounterRegister, 0, -12), // 20: back to 8
            Jal(0, 12), // 24: to the end
            Addi(6, 6, 7), // 28: the callee, only reached indirectly: a second seed
            Beq(0, 0, -16), // 32: back to 16
            Wfi, // 36
        ];
        using TestMachine interpreted = Loaded(code, jit: null);
        using TestMachine compiled = Loaded(code, new JitOptions { Threshold = 0, Synchronous = true });

        // A first block runs the loop body once, through the callee, and has the loop's region compiled (a region only
        // holds instructions that have run); its scan cannot follow the indirect call, so the callee is left out.
        compiled.Hart.RunBlock(7);
        compiled.Hart.Jit!.AfterBlock();
        Run(interpreted.Hart, CodeBase + 40, jit: false);
        Run(compiled.Hart, CodeBase + 40, jit: true);

        Assert.Equal(200ul, compiled.X(5));
        Assert.Equal(1400ul, compiled.X(6));
        Assert.Equal(interpreted.Hart.InstructionsRetired, compiled.Hart.InstructionsRetired);

        // The callee's region holds only the callee: at 16 it exits into the first region instead of compiling the
        // loop a second time.
        DecodedPage page = CodePage(compiled);
        Assert.NotEqual(RegionAt(page, 8), RegionAt(page, 28));
        Assert.Equal(2, page.Jit!.Regions[RegionAt(page, 28)].Copies.Length);
    }

    [Fact]
    public void The_scan_stops_at_installed_entries_but_not_at_its_own_seed()
    {
        uint[] code = [Addi(5, 5, 1), Addi(6, 6, 1), Addi(7, 7, 1), Jalr(0, 1, 0)];
        byte[] page = new byte[4096];
        Buffer.BlockCopy(code, 0, page, 0, code.Length * 4);
        ulong[] none = new ulong[DecodedPage.SlotCount / 64];
        ulong[] atEight = new ulong[DecodedPage.SlotCount / 64];
        atEight[0] = 1UL << (8 >> 1);

        Assert.Equal([0, 4, 8, 12], Offsets(RegionScanner.Scan(page, 0, 256, none)!));
        Assert.Equal([0, 4], Offsets(RegionScanner.Scan(page, 0, 256, atEight)!));
        Assert.Equal([8, 12], Offsets(RegionScanner.Scan(page, 8, 256, atEight)!));

        static int[] Offsets(Region region) => Array.ConvertAll(region.Instructions, i => i.Offset);
    }

    [Fact]
    public void Loads_and_stores_across_a_page_boundary_in_a_compiled_region_match_the_interpreter()
    {
        // Sv39 in S-mode: virtual pages 0x1000 and 0x2000 map to physical pages 64 KiB apart, so an access that is
        // wrongly taken whole from the first page's host memory reads the wrong bytes. Every access starts 4 or 2 bytes
        // before the first page's end; the TLB tag is compared with the page of the access's last byte, so each one
        // takes the handler, which splits it.
        const ulong Root = TestMachine.RamBase + 0x10000, L1 = Root + 0x1000, L0 = Root + 0x2000;
        const ulong First = TestMachine.RamBase + 0x20000, Second = TestMachine.RamBase + 0x30000;
        uint[] code =
        [
            Load(3, 5, DataRegister, 2044), // 0: the loop head: ld across the boundary (x10 is the page's middle)
            Addi(5, 5, 3),
            Store(3, DataRegister, 5, 2044), // sd across it
            Load(2, 6, DataRegister, 2046), // lw across it
            Store(1, DataRegister, 6, 2047), // sh across it
            Addi(CounterRegister, CounterRegister, -1),
            Bne(CounterRegister, 0, -24), // back to 0
            Wfi,
        ];
        var results = new (ulong X5, ulong X6, ulong First, ulong Second, ulong Retired)[2];
        for (int i = 0; i < 2; i++)
        {
            using TestMachine m = Loaded(code, i == 0 ? null : new JitOptions { Threshold = 0, Synchronous = true });
            m.AllowAllPhysicalMemory();
            m.Write64(Root, (L1 >> 12 << 10) | 1);
            m.Write64(L1, (L0 >> 12 << 10) | 1);
            m.Write64(L0 + 8, (First >> 12 << 10) | 0xC7); // V R W A D
            m.Write64(L0 + 16, (Second >> 12 << 10) | 0xC7);
            m.Write64(Root + 16, (TestMachine.RamBase >> 12 << 10) | 0xCF); // the code: a gigapage mapping itself
            m.Write64(First + 4088, 0x0123_4567_89ab_cdef);
            m.Write64(Second, 0xfedc_ba98_7654_3210);
            m.Write64(First + 4096, 0x5a5a_5a5a_5a5a_5a5a); // physically next to the first page, never mapped there
            m.Hart.SetRegister(DataRegister, 0x1800);
            m.Hart.SetRegister(CounterRegister, 50);
            m.Hart.WriteCsr(0x180, (8UL << 60) | (Root >> 12));
            m.Hart.Mode = PrivilegeMode.Supervisor;
            Run(m.Hart, CodeBase + 32, jit: i == 1);
            results[i] = (m.X(5), m.X(6), m.Read64(First + 4088), m.Read64(Second), m.Hart.InstructionsRetired);
            Assert.Equal(0x5a5a_5a5a_5a5a_5a5aUL, m.Read64(First + 4096));
        }

        Assert.Equal(results[0], results[1]);
    }

    [Fact]
    public void The_scan_takes_only_instructions_that_have_run_but_always_its_seed()
    {
        uint[] code =
        [
            Addi(5, 5, 1), // 0
            B(4, 5, 0, 12), // 4: blt to 16, never taken
            Addi(6, 6, 1), // 8
            Jal(0, 8), // 12: to 20
            Addi(7, 7, 1), // 16: never run
            Jalr(0, 1, 0), // 20
        ];
        byte[] page = new byte[4096];
        Buffer.BlockCopy(code, 0, page, 0, code.Length * 4);
        ulong[] none = new ulong[DecodedPage.SlotCount / 64];
        ulong[] ran = new ulong[DecodedPage.SlotCount / 64];
        foreach (int offset in new[] { 0, 4, 8, 12, 20 })
        {
            ran[0] |= 1UL << (offset >> 1);
        }

        Assert.Equal([0, 4, 8, 12, 16, 20], Offsets(RegionScanner.Scan(page, 0, 256, none)!));
        Assert.Equal([0, 4, 8, 12, 20], Offsets(RegionScanner.Scan(page, 0, 256, none, ran)!));
        Assert.Equal([16, 20], Offsets(RegionScanner.Scan(page, 16, 256, none, ran)!));

        static int[] Offsets(Region region) => Array.ConvertAll(region.Instructions, i => i.Offset);
    }

    [Fact]
    public unsafe void A_page_snapshot_of_what_ran_holds_decoded_slots_and_region_code_only()
    {
        uint[] code =
        [
            Addi(5, 5, 1), // 0: the loop head
            B(4, 5, 0, 12), // 4: blt to 16, never taken
            Addi(CounterRegister, CounterRegister, -1), // 8
            Bne(CounterRegister, 0, -12), // 12: back to 0
            Addi(7, 7, 1), // 16: never run
            Wfi, // 20
        ];
        using TestMachine m = Loaded(code, new JitOptions { Threshold = 0, Synchronous = true });
        m.Hart.SetRegister(CounterRegister, 3);
        m.Hart.RunBlock(4); // one iteration, back at the loop head
        m.Hart.Jit!.AfterBlock();
        DecodedPage page = CodePage(m);

        // The region holds the loop without the branch's cold target: it exits there.
        Assert.Equal(4, page.Jit!.Regions[RegionAt(page, 0)].Copies.Length);
        ulong[] ran = page.Jit.SnapshotExecuted(page);
        foreach (int offset in new[] { 0, 4, 8, 12 })
        {
            Assert.True(JitPageState.IsEntry(ran, OffsetOf(offset)), $"+{offset} ran");
        }

        Assert.False(JitPageState.IsEntry(ran, OffsetOf(16)));
        Assert.False(JitPageState.IsEntry(ran, OffsetOf(20)));
    }

    [Fact]
    public void The_compile_thread_compiles_off_the_hart_then_ends_and_starts_again()
    {
        uint[] code =
        [
            Addi(5, 5, 1), // 0
            Jal(0, -4), // 4: back to 0, forever
        ];
        using TestMachine m = Loaded(code, new JitOptions { Threshold = 0 });
        JitCompileQueue queue = m.Environment.JitQueue;
        RunUntilCompiled(m);
        Assert.Equal(1, queue.ThreadsStarted);
        Assert.Equal(m.Hart.InstructionsRetired, m.X(5) * 2 - (m.Hart.Pc == CodeBase ? 0ul : 1ul));

        // Idle past the linger time: the thread ends, and the next request (another page) starts a new one.
        Thread.Sleep(JitCompileQueue.Linger * 3);
        m.Load(CodeBase + 0x1000, code);
        m.Hart.Pc = CodeBase + 0x1000;
        RunUntilCompiled(m);
        Assert.Equal(2, queue.ThreadsStarted);

        static void RunUntilCompiled(TestMachine m)
        {
            long installed = m.Hart.Jit!.RegionsInstalled;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (m.Hart.Jit.RegionsInstalled == installed)
            {
                Assert.True(DateTime.UtcNow < deadline, "no region was installed");
                m.Hart.RunBlock(97);
                m.Hart.Jit.AfterBlock();
            }
        }
    }

    private static void Prepare(TestMachine m, uint[] code, ulong[] registers, byte[] data)
    {
        m.Load(CodeBase, code);
        m.Ram.TryWrite(DataBase, data);
        for (int i = 1; i < registers.Length; i++)
        {
            m.Hart.SetRegister(i, registers[i]);
        }

        m.Hart.SetRegister(DataRegister, DataBase);
        m.Hart.Pc = CodeBase;
    }

    /// <summary>Loops of random bodies; ends with wfi. <paramref name="endOffset"/> is the offset just past it.</summary>
    private static uint[] Generate(Random random, out int endOffset)
    {
        var code = new List<uint>();
        int loops = random.Next(1, 5);
        for (int loop = 0; loop < loops; loop++)
        {
            code.Add(Addi(CounterRegister, 0, random.Next(1, 6)));
            int head = code.Count;
            int length = random.Next(3, 16);
            while (code.Count - head < length)
            {
                if (random.Next(6) == 0)
                {
                    // A forward branch over one or two instructions of the body.
                    int skip = random.Next(1, 3);
                    code.Add(B((uint)new[] { 0, 1, 4, 5, 6, 7 }[random.Next(6)], Source(random), Source(random), (skip + 1) * 4));
                    for (int i = 0; i < skip; i++)
                    {
                        code.Add(RandomStraight(random));
                    }
                }
                else
                {
                    code.Add(RandomStraight(random));
                }
            }

            code.Add(Addi(CounterRegister, CounterRegister, -1));
            code.Add(Bne(CounterRegister, 0, (head - code.Count) * 4));
        }

        code.Add(Wfi);
        endOffset = code.Count * 4;
        return [.. code];
    }

    private static uint RandomStraight(Random random)
    {
        int rd = Destination(random);
        int rs1 = Source(random);
        int rs2 = Source(random);
        int offset = random.Next(0, 4088);
        return random.Next(10) switch
        {
            0 or 1 => I(0x13, (uint)new[] { 0, 2, 3, 4, 6, 7 }[random.Next(6)], rd, rs1, random.Next(-2048, 2048) & 0xFFF),
            2 => random.Next(3) switch
            {
                0 => Slli(rd, rs1, random.Next(64)),
                1 => Srai(rd, rs1, random.Next(64)),
                _ => I(0x13, 5, rd, rs1, random.Next(64)), // srli
            },
            3 => Op32((uint)new[] { 0, 1, 5 }[random.Next(3)], random.Next(2) == 0 ? 0u : (random.Next(2) == 0 ? 0x20u : 0x01u), rd, rs1, rs2) is var op32 && IsValidOp32(op32) ? op32 : Addiw(rd, rs1, random.Next(-2048, 2048)),
            4 => Op((uint)random.Next(8), new[] { 0u, 0x20u, 0x01u, 0x10u, 0x05u }[random.Next(5)], rd, rs1, rs2) is var op && IsValidOp(op) ? op : Add(rd, rs1, rs2),
            5 => I(0x1B, (uint)new[] { 0, 1, 5 }[random.Next(3)], rd, rs1, random.Next(32) | (random.Next(2) == 0 ? 0 : 0x400)) is var w && IsValidOpImm32(w) ? w : Addiw(rd, rs1, 7),
            6 => Load((uint)new[] { 0, 1, 2, 3, 4, 5, 6 }[random.Next(7)], rd, DataRegister, offset),
            7 => Store((uint)random.Next(4), DataRegister, rs2, offset),
            8 => random.Next(3) switch
            {
                0 => Lui(rd, random.Next(1 << 20)),
                1 => Auipc(rd, random.Next(1 << 20)),
                _ => Csrrw(rd, 0x340, rs1), // mscratch: runs through the interpreter's handler
            },
            _ => Op(0, 0, rd, rs1, rs2),
        };
    }

    private static bool IsValidOp(uint insn)
    {
        uint funct3 = (insn >> 12) & 7;
        return (insn >> 25) switch
        {
            0x00 or 0x01 => true,
            0x20 => funct3 is 0 or 4 or 5 or 6 or 7,
            0x10 => funct3 is 2 or 4 or 6,
            0x05 => funct3 >= 4,
            _ => false,
        };
    }

    private static bool IsValidOp32(uint insn)
    {
        uint funct3 = (insn >> 12) & 7;
        return (insn >> 25) switch
        {
            0x00 => funct3 is 0 or 1 or 5,
            0x20 => funct3 is 0 or 5,
            0x01 => funct3 is 0 or 4 or 5 or 6 or 7,
            _ => false,
        };
    }

    private static bool IsValidOpImm32(uint insn)
    {
        uint funct3 = (insn >> 12) & 7;
        uint funct7 = insn >> 25;
        return funct3 == 0 || (funct3 == 1 && funct7 == 0) || (funct3 == 5 && funct7 is 0 or 0x20);
    }

    private static int Destination(Random random)
    {
        // Never the data pointer or the loop counter.
        int rd = random.Next(0, 16);
        return rd is DataRegister or CounterRegister ? 5 : rd;
    }

    private static int Source(Random random) => random.Next(0, 17);
}
