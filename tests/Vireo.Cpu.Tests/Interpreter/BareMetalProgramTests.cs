using Vireo.Cpu.Jit;
using Vireo.Cpu.Tests.Support;

namespace Vireo.Cpu.Tests.Interpreter;

/// <summary>
/// Assembly programs built with the riscv64 cross toolchain, reporting through the test finisher: interpreted, and
/// with the region JIT compiling every page it samples (threshold 0, on the hart's thread).
/// </summary>
public sealed class BareMetalProgramTests
{
    [Theory]
    [InlineData("mmu", 1, false)]
    [InlineData("atomics", 2, false)]
    [InlineData("float", 1, false)]
    [InlineData("mmu", 1, true)]
    [InlineData("atomics", 2, true)]
    [InlineData("float", 1, true)]
    public void Program_passes(string name, int harts, bool jit)
    {
        Assert.True(ProgramRunner.ToolchainPresent, "riscv64-linux-gnu-gcc is required (tests/apt-packages.txt)");
        JitOptions? options = jit ? new JitOptions { Threshold = 0, Synchronous = true } : null;
        using var machine = new TestMachine(harts: harts, jit: options);
        int result = ProgramRunner.Run(machine, ProgramRunner.Build(name), TimeSpan.FromSeconds(20));
        Assert.Equal(0, result);
        // atomics keeps its shared counters on its own code page, so the other hart's stores keep re-decoding that page
        // and dropping its regions: whether one survives long enough to install is a race, so only correctness counts there.
        if (jit && name != "atomics")
        {
            Assert.True(machine.Hart.Jit!.RegionsInstalled > 0, "no region was compiled");
        }
    }
}
