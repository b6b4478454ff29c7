using BenchmarkDotNet.Attributes;
using Vireo.Cpu.Fpu;

namespace Vireo.Benchmarks.Fpu;

/// <summary>
/// Cost per binary64 operation: the host-FPU fast path (round to nearest even, ordinary operands), the integer
/// soft-float path (forced by round toward zero, same operands) and the bare host instruction for scale.
/// Run: <c>dotnet run -c Release --project bench/Vireo.Benchmarks -- --filter '*F64Benchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class F64Benchmarks
{
    private const int N = 1024;
    private readonly ulong[] _a = new ulong[N];
    private readonly ulong[] _b = new ulong[N];
    private readonly ulong[] _c = new ulong[N];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (int i = 0; i < N; i++)
        {
            _a[i] = BitConverter.DoubleToUInt64Bits((random.NextDouble() + 0.5) * (random.Next(2) == 0 ? 1 : -1));
            _b[i] = BitConverter.DoubleToUInt64Bits((random.NextDouble() * 100) + 0.01);
            _c[i] = BitConverter.DoubleToUInt64Bits(random.NextDouble() - 0.5);
        }
    }

    [Benchmark(OperationsPerInvoke = N, Baseline = true)]
    public ulong HostAdd()
    {
        ulong acc = 0;
        for (int i = 0; i < N; i++)
        {
            acc ^= BitConverter.DoubleToUInt64Bits(BitConverter.UInt64BitsToDouble(_a[i]) + BitConverter.UInt64BitsToDouble(_b[i]));
        }

        return acc;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public ulong AddFast() => Add(RoundingMode.NearestEven);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong AddSoft() => Add(RoundingMode.TowardZero);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong MulFast() => Mul(RoundingMode.NearestEven);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong MulSoft() => Mul(RoundingMode.TowardZero);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong DivFast() => Div(RoundingMode.NearestEven);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong DivSoft() => Div(RoundingMode.TowardZero);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong SqrtFast() => Sqrt(RoundingMode.NearestEven);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong SqrtSoft() => Sqrt(RoundingMode.TowardZero);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong MulAddFast() => MulAdd(RoundingMode.NearestEven);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong MulAddSoft() => MulAdd(RoundingMode.TowardZero);

    private ulong Add(RoundingMode rm)
    {
        FpFlags flags = FpFlags.None;
        ulong acc = 0;
        for (int i = 0; i < N; i++)
        {
            acc ^= F64.Add(_a[i], _b[i], rm, ref flags);
        }

        return acc ^ (ulong)flags;
    }

    private ulong Mul(RoundingMode rm)
    {
        FpFlags flags = FpFlags.None;
        ulong acc = 0;
        for (int i = 0; i < N; i++)
        {
            acc ^= F64.Mul(_a[i], _b[i], rm, ref flags);
        }

        return acc ^ (ulong)flags;
    }

    private ulong Div(RoundingMode rm)
    {
        FpFlags flags = FpFlags.None;
        ulong acc = 0;
        for (int i = 0; i < N; i++)
        {
            acc ^= F64.Div(_a[i], _b[i], rm, ref flags);
        }

        return acc ^ (ulong)flags;
    }

    private ulong Sqrt(RoundingMode rm)
    {
        FpFlags flags = FpFlags.None;
        ulong acc = 0;
        for (int i = 0; i < N; i++)
        {
            acc ^= F64.Sqrt(_b[i], rm, ref flags);
        }

        return acc ^ (ulong)flags;
    }

    private ulong MulAdd(RoundingMode rm)
    {
        FpFlags flags = FpFlags.None;
        ulong acc = 0;
        for (int i = 0; i < N; i++)
        {
            acc ^= F64.MulAdd(_a[i], _b[i], _c[i], rm, ref flags);
        }

        return acc ^ (ulong)flags;
    }
}
