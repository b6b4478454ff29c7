using BenchmarkDotNet.Attributes;
using Vireo.Core.Bus;
using Vireo.Core.Memory;
using Vireo.Core.Timing;
using Vireo.Cpu;
using Vireo.Cpu.Interpreter;

namespace Vireo.Benchmarks.Cpu;

/// <summary>
/// Guest instructions per second of the interpreter on integer, memory and branchy loops, through the public
/// <see cref="IHart.Run"/> seam. Results are per guest instruction (OperationsPerInvoke), so MIPS = 1000 / mean in ns;
/// the allocation column must read 0 (nothing allocated per guest instruction).
/// </summary>
[MemoryDiagnoser]
public class InterpreterBenchmarks : IDisposable
{
    private const ulong RamBase = 0x8000_0000;

    private GuestRam? _ram;
    private IHart? _hart;

    [GlobalSetup(Target = nameof(Integer))]
    public void SetupInteger() => Setup(GuestPrograms.Integer());

    [GlobalSetup(Target = nameof(Memory))]
    public void SetupMemory() => Setup(GuestPrograms.Memory());

    [GlobalSetup(Target = nameof(Branchy))]
    public void SetupBranchy() => Setup(GuestPrograms.Branchy());

    /// <summary>ALU loop; the mean is nanoseconds per guest instruction.</summary>
    [Benchmark(OperationsPerInvoke = 6 * GuestPrograms.Iterations)]
    public void Integer() => RunLoop();

    /// <summary>Load/store loop; the mean is nanoseconds per guest instruction.</summary>
    [Benchmark(OperationsPerInvoke = 8 * GuestPrograms.Iterations)]
    public void Memory() => RunLoop();

    /// <summary>Unpredictable-branch loop; the mean is nanoseconds per guest instruction.</summary>
    [Benchmark(OperationsPerInvoke = 15 * GuestPrograms.Iterations / 2)]
    public void Branchy() => RunLoop();

    private void Setup((uint[] Code, long Instructions) program)
    {
        _ram = new GuestRam(RamBase, 16 << 20);
        var bus = new PhysicalBus(_ram);
        var exit = new ExitDevice();
        bus.Map(0x10_0000, exit);
        var environment = new CpuEnvironment(bus, new MachineClock()) { ResetVector = RamBase };
        _hart = new InterpreterEngine().CreateHart(0, environment);
        exit.Hart = _hart;
        byte[] image = new byte[program.Code.Length * 4];
        Buffer.BlockCopy(program.Code, 0, image, 0, image.Length);
        _ram.TryWrite(RamBase, image);
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
