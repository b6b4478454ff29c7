using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Vireo.Core.Bus;
using Vireo.Core.Memory;
using Vireo.Core.Timing;
using Vireo.Cpu;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;

namespace Vireo.Benchmarks.Cpu;

/// <summary>
/// What compiling a region costs, on a fixed corpus (<c>dotnet run -c Release --project bench/Vireo.Benchmarks --
/// jit-compile IMAGE</c>, IMAGE being the guest kernel, <c>$(./vireo guest path)/Image</c>): from every 4th 4 KiB page of
/// the image's first 2 MiB (kernel text), a region is scanned from the page's first function prologue (a negative
/// <c>addi sp, sp</c>, compressed or not), emitted and compiled by the .NET JIT, the way the compile thread does it.
/// Prints the compile thread's CPU time per guest instruction and per region, best of five rounds; the boot-to-boot
/// sampling noise of measuring inside a running VM is gone, so emitter changes compare directly.
/// </summary>
internal static unsafe partial class JitCompileProbe
{
    private const int ThreadCpuClock = 3;

    public static void Run(string imagePath)
    {
        byte[] image = File.ReadAllBytes(imagePath);
        using var ram = new GuestRam(0x8000_0000, 16 << 20);
        var hart = new Hart(0, new CpuEnvironment(new PhysicalBus(ram), new MachineClock()), new JitOptions());
        var layout = new HartLayout(hart.State);
        var page = new DecodedPage();
        ulong[] noEntries = new ulong[DecodedPage.SlotCount / 64];
        var corpus = new List<Region>();
        for (int offset = 0; offset + 4096 <= Math.Min(image.Length, 2 << 20); offset += 4 * 4096)
        {
            byte[] code = image.AsSpan(offset, 4096).ToArray();
            int seed = FirstPrologue(code);
            if (seed >= 0 && RegionScanner.Scan(code, seed, 256, noEntries) is { } region)
            {
                corpus.Add(region);
            }
        }

        long instructions = 0;
        foreach (Region region in corpus)
        {
            instructions += region.Instructions.Length;
        }

        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long start = ThreadCpuNanoseconds();
            int i = 0;
            foreach (Region region in corpus)
            {
                _ = RegionJit.Build(region, page, layout, hart, $"probe_{round}_{i++}");
            }

            best = Math.Min(best, (ThreadCpuNanoseconds() - start) / 1000.0);
        }

        Console.WriteLine($"{corpus.Count} regions, {instructions} guest instructions: {best / 1000:F0} ms, " +
            $"{best / instructions:F1} µs per instruction, {best / corpus.Count:F0} µs per region (thread CPU, best of 5)");
    }

    /// <summary>Page offset of the first stack-frame allocation (<c>c.addi16sp</c> or <c>addi sp, sp, -n</c>), or -1.</summary>
    private static int FirstPrologue(byte[] code)
    {
        for (int offset = 0; offset + 4 <= code.Length; offset += 2)
        {
            ushort low = BinaryPrimitives.ReadUInt16LittleEndian(code.AsSpan(offset));
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(code.AsSpan(offset));
            bool compressed = (low & 0xEF83) == 0x6101 && (low & 0x1000) != 0;
            bool full = (word & 0xFFFFF) == 0x10113 && (word >> 31) != 0;
            if (compressed || full)
            {
                return offset;
            }
        }

        return -1;
    }

    private static long ThreadCpuNanoseconds()
    {
        long* time = stackalloc long[2];
        _ = ClockGetTime(ThreadCpuClock, time);
        return (time[0] * 1_000_000_000) + time[1];
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, long* time);
}
