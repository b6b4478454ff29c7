using System.Diagnostics;
using Vireo.Core.Interrupts;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Tests.Support;

namespace Vireo.Cpu.Tests.Interpreter;

public sealed class RunSliceTests
{
    private const ulong Base = TestMachine.RamBase;

    [Fact]
    public void ACpuBoundHartUsesItsSliceAndComesBack()
    {
        using var m = new TestMachine();
        m.Load(Base, Asm.Addi(5, 5, 1), Asm.Jal(0, -4));
        m.Hart.Pc = Base;

        long end = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 1000);
        HartSliceResult result = m.Hart.RunSlice(end);

        // The slice's end is checked between blocks, so it comes back after its deadline having run at least one
        // whole block (1024 instructions: 512 turns of the loop); how many more depends on the host's speed.
        Assert.Equal(HartSliceResult.SliceUsed, result);
        Assert.True(Stopwatch.GetTimestamp() >= end, "the slice came back before its end");
        Assert.True(m.X(5) >= 512, $"x5 = {m.X(5)}");
    }

    [Fact]
    public void WfiParksWithTheTimerDeadlineAndAWakeHandlerCallForAnEnabledInterrupt()
    {
        using var m = new TestMachine();
        m.Load(Base, Asm.Wfi, Asm.Jal(0, 0));
        m.Hart.Pc = Base;
        m.Hart.WriteCsr(0x304, MipBits.Msip | MipBits.Mtip); // mie
        m.Hart.TimerCompare = 12_345;
        int wakes = 0;
        m.Hart.WakeHandler = () => wakes++;

        HartSliceResult result = m.Hart.RunSlice(long.MaxValue);

        Assert.Equal(HartSliceResult.Waiting, result);
        Assert.Equal(12_345UL, m.Hart.WaitDeadline);
        Assert.Equal(HartRunState.Waiting, m.Hart.RunState);

        // A disabled interrupt cannot end the wait, so the scheduler is not bothered; an enabled one wakes it.
        m.Hart.SetPending(MipBits.Seip, true);
        Assert.Equal(0, wakes);
        m.Hart.SetPending(MipBits.Msip, true);
        Assert.Equal(1, wakes);
    }

    [Fact]
    public void AStoppedHartReturnsStoppedAndOnlyHsmStartWakesIt()
    {
        using var m = new TestMachine();
        m.Hart.Reset(stopped: true);
        int wakes = 0;
        m.Hart.WakeHandler = () => wakes++;

        Assert.Equal(HartSliceResult.Stopped, m.Hart.RunSlice(long.MaxValue));
        m.Hart.SetPending(MipBits.Msip, true);
        Assert.Equal(0, wakes);
        Assert.True(m.Hart.Start(Base, 0, PrivilegeMode.Machine));
        Assert.Equal(1, wakes);
    }

    [Fact]
    public void ExitAndYieldRequestsEndTheSlice()
    {
        using var m = new TestMachine();
        m.Load(Base, Asm.Jal(0, 0));
        m.Hart.Pc = Base;
        m.Hart.RequestExit();
        Assert.Equal(HartSliceResult.ExitRequested, m.Hart.RunSlice(long.MaxValue));

        var yielder = new Thread(() =>
        {
            Thread.Sleep(20);
            m.Hart.RequestYield();
        });
        yielder.Start();
        Assert.Equal(HartSliceResult.SliceUsed, m.Hart.RunSlice(long.MaxValue));
        yielder.Join();
    }

    [Fact]
    public void PauseHintsEndTheSliceAsSpinning()
    {
        using var m = new TestMachine();
        m.Load(Base, Decoder.PauseEncoding, Asm.Jal(0, -4));
        m.Hart.Pc = Base;

        Assert.Equal(HartSliceResult.Spinning, m.Hart.RunSlice(long.MaxValue));
        Assert.Equal(Base + 4, m.Hart.Pc);
    }
}
