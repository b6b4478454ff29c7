using BenchmarkDotNet.Running;

namespace Vireo.Benchmarks;

/// <summary>Runs the micro benchmarks: <c>dotnet run -c Release --project bench/Vireo.Benchmarks -- --filter '*'</c>.</summary>
internal static class Program
{
    private static void Main(string[] args)
    {
        if (args is ["cpu-mips"])
        {
            Cpu.MipsProbe.Run();
            return;
        }

        if (args is ["jit-compile", string image])
        {
            Cpu.JitCompileProbe.Run(image);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
