using System.Diagnostics;
using Vireo.Cpu;
using Vireo.Cpu.Interpreter;

namespace Vireo.Benchmarks.Cpu;

/// <summary>
/// Quick guest-MIPS probe (<c>dotnet run -c Release --project bench/Vireo.Benchmarks -- cpu-mips</c>): runs each loop a
/// few times and prints MIPS by wall time and by the thread's CPU time, the latter being meaningful on a loaded host.
/// </summary>
internal static class MipsProbe
{
    public static void Run()
    {
        foreach ((string name, (uint[] Code, long Instructions) program) in new[]
        {
            ("integer", GuestPrograms.Integer()),
            ("memory", GuestPrograms.Memory()),
            ("branchy", GuestPrograms.Branchy()),
        })
        {
            using var loop = new GuestLoop(new InterpreterEngine(), program.Code);
            IHart hart = loop.Hart;
            double bestWall = 0;
            double bestCpu = 0;
            for (int round = 0; round < 5; round++)
            {
                hart.Pc = GuestLoop.RamBase;
                TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                hart.Run();
                double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
                double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
                bestWall = Math.Max(bestWall, program.Instructions / wall / 1e6);
                bestCpu = Math.Max(bestCpu, program.Instructions / cpu / 1e6);
            }

            Console.WriteLine($"{name,-8} {bestWall,8:F1} MIPS (wall)  {bestCpu,8:F1} MIPS (cpu time)");
        }
    }
}
