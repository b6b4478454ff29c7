using BenchmarkDotNet.Attributes;
using Vireo.Core.Bus;
using Vireo.Core.Memory;
using Vireo.Core.Timing;
using Vireo.Cpu;
using Vireo.Cpu.Jit;

namespace Vireo.Benchmarks.Cpu;

/// <summary>
/// Guest instructions per second of compiled code (the region JIT, compiled before measuring): an integer loop inside
/// one region, and a loop calling a function on the next page (region exits, page entries and chaining). The mean is
/// nanoseconds per guest instruction; the allocation column must read 0.
/// </summary>
[MemoryDiagnoser]
public class JitBenchmarks : IDisposable
{
    private const ulong RamBase = 0x8000_0000;

    private GuestRam? _ram;
    private IHart? _hart;

    [GlobalSetup(Target = nameof(Integer))]
    public void SetupInteger() => Setup(GuestPrograms.Integer());

    [GlobalSetup(Target = nameof(CrossPage))]
    public void SetupCrossPage() => Setup(GuestPrograms.CrossPage());

    /// <summary>ALU loop in one region; nanoseconds per guest instruction.</summary>
    [Benchmark(OperationsPerInvoke = 6 * GuestPrograms.Iterations)]
    public void Integer() => RunLoop();

    /// <summary>A call to the next page and back per iteration; nanoseconds per guest instruction.</summary>
    [Benchmark(OperationsPerInvoke = 7 * GuestPrograms.Iterations)]
    public void CrossPage() => RunLoop();

    private void Setup((uint[] Code, long Instructions) program)
    {
        _ram = new GuestRam(RamBase, 16 << 20);
        var bus = new PhysicalBus(_ram);
        var exit = new ExitDevice();
        bus.Map(0x10_0000, exit);
        var environment = new CpuEnvironment(bus, new MachineClock()) { ResetVector = RamBase };
        _hart = new JitEngine(new JitOptions { Threshold = 0, Synchronous = true }).CreateHart(0, environment);
        exit.Hart = _hart;
        byte[] image = new byte[program.Code.Length * 4];
        Buffer.BlockCopy(program.Code, 0, image, 0, image.Length);
        _ram.TryWrite(RamBase, image);

        // Once through, so the regions are compiled (and installed) before the measured runs.
        RunLoop();
        RunLoop();
    }

    private void RunLoop()
    {
        IHart hart = _hart!;
        for (int i = 1; i < 32; i++)
        {
            hart.SetRegister(i, 0);
        }

        hart.Pc = RamBase;
        hart.Run();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _ram?.Dispose();
        GC.SuppressFinalize(this);
    }
}
