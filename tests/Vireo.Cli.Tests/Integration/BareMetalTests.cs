using System.Diagnostics;

namespace Vireo.Cli.Tests.Integration;

/// <summary>
/// Bare-metal M-mode test programs (the CPU tests' assembly sources) run as firmware with <c>vireo run --bios</c>:
/// they report through the SiFive test device, so pass is exit 0 and failure is the failing test's number.
/// </summary>
[Collection(nameof(GuestBootCollection))]
public sealed class BareMetalTests : IDisposable
{
    private const string Gcc = "/usr/bin/riscv64-linux-gnu-gcc";
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-baremetal").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("mmu", 1)]
    [InlineData("float", 1)]
    [InlineData("atomics", 2)]
    public void TestProgramPassesAsFirmware(string program, int cpus)
    {
        string elf = Build(Path.Combine(ProgramsDirectory(), $"{program}.S"));
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--bios", elf, "--cpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), "--serial", "none");
        Assert.True(result.ExitCode == 0, $"{program}: exit {result.ExitCode}\n{result.Stderr}");
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("interpreter")]
    public void WfiWakesForMachineAndSupervisorTimerAndSoftwareInterrupts(string engine)
    {
        // wfi.S: M timer and M software taken in M-mode, M timer with MIE clear, S timer with Sstc, S timer forwarded
        // by M-mode without Sstc; every wait is a WFI that only an interrupt ends.
        string elf = Build(Path.Combine(ProgramsDirectory(), "wfi.S"));
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--engine", engine, "--bios", elf, "--serial", "none");
        Assert.True(result.ExitCode == 0, $"wfi ({engine}): exit {result.ExitCode}\n{result.Stderr}");
    }

    [Fact]
    public void AnMtvecWithAReservedModeIsIgnoredNotRoundedIntoTheInterruptedLoop()
    {
        // Issue 19's "WFI never wakes": the handler label follows a 4-byte wfi and a 2-byte c.j, so its address is
        // 2 mod 4, which mtvec reads as reserved mode 2. Rounding it down made the trap land on the c.j back to the
        // wfi, an endless WFI loop; as on QEMU the write is ignored, mtvec stays 0 and the fetch fault there is
        // reported as a stuck hart.
        string source = Path.Combine(_dir, "misaligned-handler.S");
        File.WriteAllText(source, ".option nopic\n.option rvc\n.section .text.init\n.globl _start\n_start:\n la t0, trap\n csrw mtvec, t0\n"
            + " li t0, 0x200bff8\n ld t1, 0(t0)\n li t2, 100000\n add t1, t1, t2\n li t0, 0x2004000\n sd t1, 0(t0)\n li t0, 0x80\n csrw mie, t0\n csrsi mstatus, 8\n"
            + ".balign 4\n1: wfi\n c.j 1b\ntrap:\n li t0, 0x100000\n li t1, 0x5555\n sw t1, 0(t0)\n");
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--bios", Build(source), "--serial", "none");
        Assert.True(result.ExitCode == ExitCodes.RunCrashed, $"exit {result.ExitCode}\n{result.Stderr}");
        Assert.Contains("its trap handler at 0x0 raises exception 1", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailingProgramExitsWithItsTestNumber()
    {
        string source = Path.Combine(_dir, "fail.S");
        File.WriteAllText(source, ".option nopic\n.section .text.init\n.globl _start\n_start:\n li t0, 0x100000\n li t1, (9 << 16) | 0x3333\n sw t1, 0(t0)\n1: j 1b\n");
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--bios", Build(source), "--serial", "none");
        Assert.Equal(9, result.ExitCode);
    }

    [Fact]
    public void AHartStuckInADoubleFaultEndsTheRunAsACrash()
    {
        // mtvec points at unmapped address 0x4: the illegal instruction traps there, the fetch there faults and
        // traps there again, forever.
        string source = Path.Combine(_dir, "double-fault.S");
        File.WriteAllText(source, ".option nopic\n.section .text.init\n.globl _start\n_start:\n li t0, 4\n csrw mtvec, t0\n .word 0\n");
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--bios", Build(source), "--serial", "none");
        Assert.True(result.ExitCode == ExitCodes.RunCrashed, $"exit {result.ExitCode}\n{result.Stderr}");
        Assert.Contains("hart 0 is stuck in a double fault: its trap handler at 0x4 raises exception 1", result.Stderr, StringComparison.Ordinal);
    }

    private string Build(string source)
    {
        Assert.True(File.Exists(Gcc), $"{Gcc} is required (tests/apt-packages.txt)");
        string elf = Path.Combine(_dir, Path.GetFileNameWithoutExtension(source) + ".elf");
        string programs = ProgramsDirectory();
        var start = new ProcessStartInfo(Gcc) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[]
        {
            "-static", "-nostdlib", "-nostartfiles", "-march=rv64gc_zba_zbb_zbs", "-mabi=lp64d", "-mcmodel=medany",
            "-Wl,-T," + Path.Combine(programs, "link.ld"), "-Wl,--no-relax", "-Wl,--build-id=none", "-I", programs, "-o", elf, source,
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var gcc = Process.Start(start)!;
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, errors);
        return elf;
    }

    private static string ProgramsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Vireo.Cpu.Tests", "Programs");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/Vireo.Cpu.Tests/Programs not found above the test binaries");
    }
}
