using BenchmarkDotNet.Attributes;
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
    private GuestLoop? _loop;

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
        _loop = new GuestLoop(new InterpreterEngine(), program.Code);
    }

    private void RunLoop() => _loop!.Run();

    [GlobalCleanup]
    public void Dispose()
    {
        _loop?.Dispose();
        GC.SuppressFinalize(this);
    }
}
