using Vireo.Cpu.Jit;
using Vireo.Cpu.Tests.Support;

namespace Vireo.Cpu.Tests.Jit;

/// <summary>The bare-metal programs again, with every sampled page compiled at once (threshold 0, on the hart's thread).</summary>
public sealed class JitProgramTests
{
    [Theory]
    [InlineData("mmu", 1)]
    [InlineData("atomics", 2)]
    [InlineData("float", 1)]
    public void Program_passes_with_compiled_regions(string name, int harts)
    {
        Assert.True(ProgramRunner.ToolchainPresent, "riscv64-linux-gnu-gcc is required (tests/apt-packages.txt)");
        using var machine = new TestMachine(harts: harts, jit: new JitOptions { Threshold = 0, Synchronous = true });
        int result = ProgramRunner.Run(machine, ProgramRunner.Build(name), TimeSpan.FromSeconds(20));
        Assert.Equal(0, result);
        Assert.True(machine.Hart.Jit!.RegionsInstalled > 0, "no region was compiled");
    }
}
