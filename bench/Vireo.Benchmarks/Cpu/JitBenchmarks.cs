using BenchmarkDotNet.Attributes;
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
    private GuestLoop? _loop;

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
        _loop = new GuestLoop(new JitEngine(new JitOptions { Threshold = 0, Synchronous = true }), program.Code);

        // Once through, so the regions are compiled (and installed) before the measured runs.
        _loop.Run();
        _loop.Run();
    }

    private void RunLoop() => _loop!.Run();

    [GlobalCleanup]
    public void Dispose()
    {
        _loop?.Dispose();
        GC.SuppressFinalize(this);
    }
}
