using Vireo.Cpu.Tests.Support;

namespace Vireo.Cpu.Tests.Interpreter;

/// <summary>Assembly programs built with the riscv64 cross toolchain, reporting through the test finisher.</summary>
public sealed class BareMetalProgramTests
{
    [Theory]
    [InlineData("mmu", 1)]
    [InlineData("atomics", 2)]
    [InlineData("float", 1)]
    public void Program_passes(string name, int harts)
    {
        Assert.True(ProgramRunner.ToolchainPresent, "riscv64-linux-gnu-gcc is required (tests/apt-packages.txt)");
        using var machine = new TestMachine(harts: harts);
        int result = ProgramRunner.Run(machine, ProgramRunner.Build(name), TimeSpan.FromSeconds(20));
        Assert.Equal(0, result);
    }
}
