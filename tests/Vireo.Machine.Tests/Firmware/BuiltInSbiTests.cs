using System.Text;
using Vireo.Core.Interrupts;
using Vireo.Core.Memory;
using Vireo.Cpu;
using Vireo.Machine.Firmware;

namespace Vireo.Machine.Tests.Firmware;

public sealed class BuiltInSbiTests : IDisposable
{
    private const ulong RamBase = 0x8000_0000;
    private readonly GuestRam _ram = new(RamBase, 1 << 20);
    private readonly RecordingHart[] _harts = [new(0), new(1), new(2), new(3)];
    private readonly Platform _platform = new();
    private readonly BuiltInSbi _sbi;

    public BuiltInSbiTests()
    {
        _sbi = new BuiltInSbi(_harts, _ram, _platform);
    }

    public void Dispose() => _ram.Dispose();

    private sealed class Platform : ISbiPlatform
    {
        public MemoryStream Output { get; } = new();

        public Queue<byte> Input { get; } = new();

        public List<(SystemResetKind Kind, bool Failure)> Resets { get; } = [];

        public void ConsoleWrite(ReadOnlySpan<byte> bytes) => Output.Write(bytes);

        public int ConsoleRead() => Input.Count > 0 ? Input.Dequeue() : -1;

        public void SystemReset(SystemResetKind kind, bool failure) => Resets.Add((kind, failure));
    }

    private (long Error, ulong Value) Call(ulong extension, ulong function, params ulong[] args)
    {
        RecordingHart hart = _harts[0];
        for (int i = 0; i < 6; i++)
        {
            hart.SetRegister(10 + i, i < args.Length ? args[i] : 0);
        }

        hart.SetRegister(16, function);
        hart.SetRegister(17, extension);
        _sbi.HandleEcall(hart);
        return ((long)hart.GetRegister(10), hart.GetRegister(11));
    }

    [Fact]
    public void BaseReportsVersionTwoAndProbesExactlyTheImplementedExtensions()
    {
        Assert.Equal((0L, 0x0200_0000UL), Call(0x10, 0));
        Assert.Equal((0L, (ulong)BuiltInSbi.ImplementationId), Call(0x10, 1));
        foreach (ulong extension in new ulong[] { 0x10, 0x54494D45, 0x735049, 0x52464E43, 0x48534D, 0x53525354, 0x4442434E })
        {
            Assert.Equal((0L, 1UL), Call(0x10, 3, extension));
        }

        Assert.Equal((0L, 0UL), Call(0x10, 3, 0x50535543)); // PMU is not implemented
        Assert.Equal(-2L, Call(0x0A000000, 0).Error);
        Assert.Equal(-2L, Call(0x10, 99).Error);
    }

    [Fact]
    public void SetTimerProgramsStimecmp()
    {
        Assert.Equal(0L, Call(0x54494D45, 0, 123_456).Error);
        Assert.Equal(123_456UL, _harts[0].Csrs[0x14D]);
    }

    [Fact]
    public void IpiRaisesSsipOnTheMaskedHartsOnly()
    {
        Assert.Equal(0L, Call(0x735049, 0, 0b101, 1).Error); // harts 1 and 3
        Assert.Equal(new[] { 0UL, MipBits.Ssip, 0UL, MipBits.Ssip }, _harts.Select(h => h.PendingMip));

        Assert.Equal(0L, Call(0x735049, 0, 0, ulong.MaxValue).Error); // base -1: every hart
        Assert.All(_harts, h => Assert.Equal(MipBits.Ssip, h.PendingMip));
    }

    [Fact]
    public void AnInvalidHartInTheMaskChangesNothing()
    {
        Assert.Equal(-3L, Call(0x735049, 0, 0b11, 3).Error); // harts 3 and 4; 4 does not exist
        Assert.All(_harts, h => Assert.Equal(0UL, h.PendingMip));
        Assert.Equal(-3L, Call(0x52464E43, 1, 1, 4, 0, 4096).Error);
        Assert.All(_harts, h => Assert.Equal(0, h.TlbFlushes));
    }

    [Fact]
    public void RemoteFencesReachTheirTargets()
    {
        Assert.Equal(0L, Call(0x52464E43, 0, 0b10, 0).Error);
        Assert.Equal(0L, Call(0x52464E43, 1, 0b100, 0, 0, ulong.MaxValue).Error);
        Assert.Equal(0L, Call(0x52464E43, 2, 0b1000, 0, 0, 4096, 7).Error);
        Assert.Equal(new[] { 0, 1, 0, 0 }, _harts.Select(h => h.InstructionCacheFlushes));
        Assert.Equal(new[] { 0, 0, 1, 1 }, _harts.Select(h => h.TlbFlushes));
        Assert.Equal(-2L, Call(0x52464E43, 3, 1, 0).Error); // hypervisor fences are not supported
    }

    [Fact]
    public void HsmStartsOnlyStoppedHartsAtValidAddresses()
    {
        _harts[2].RunState = HartRunState.Stopped;
        Assert.Equal((0L, 1UL), Call(0x48534D, 2, 2));

        Assert.Equal(-5L, Call(0x48534D, 0, 2, 0x1000, 0).Error);
        Assert.Equal(0L, Call(0x48534D, 0, 2, RamBase + 0x2000, 0xabc).Error);
        Assert.Equal((RamBase + 0x2000, 0xabcUL, PrivilegeMode.Supervisor), _harts[2].Started);
        Assert.Equal((0L, 0UL), Call(0x48534D, 2, 2));

        Assert.Equal(-6L, Call(0x48534D, 0, 2, RamBase, 0).Error);
        Assert.Equal(-3L, Call(0x48534D, 0, 9, RamBase, 0).Error);
        Assert.Equal(-3L, Call(0x48534D, 2, 9).Error);
    }

    [Fact]
    public void HsmStopParksTheCallingHart()
    {
        Call(0x48534D, 1);
        Assert.True(_harts[0].StopCalled);
    }

    [Fact]
    public void SystemResetDistinguishesShutdownRebootAndFailure()
    {
        Assert.Equal(0L, Call(0x53525354, 0, 0, 0).Error);
        Assert.Equal(0L, Call(0x53525354, 0, 1, 0).Error);
        Assert.Equal(0L, Call(0x53525354, 0, 0, 1).Error);
        Assert.Equal(-3L, Call(0x53525354, 0, 7, 0).Error);
        Assert.Equal(
            [(SystemResetKind.Shutdown, false), (SystemResetKind.Reboot, false), (SystemResetKind.Shutdown, true)],
            _platform.Resets);
    }

    [Fact]
    public void DebugConsoleWritesAndReadsGuestMemory()
    {
        byte[] text = Encoding.ASCII.GetBytes("hello, sbi");
        Assert.True(_ram.TryWrite(RamBase + 0x100, text));
        Assert.Equal((0L, (ulong)text.Length), Call(0x4442434E, 0, (ulong)text.Length, RamBase + 0x100, 0));
        Call(0x4442434E, 2, '!');
        Assert.Equal("hello, sbi!", Encoding.ASCII.GetString(_platform.Output.ToArray()));

        _platform.Input.Enqueue((byte)'o');
        _platform.Input.Enqueue((byte)'k');
        Assert.Equal((0L, 2UL), Call(0x4442434E, 1, 16, RamBase + 0x200, 0));
        byte[] back = new byte[2];
        Assert.True(_ram.TryRead(RamBase + 0x200, back));
        Assert.Equal("ok", Encoding.ASCII.GetString(back));

        Assert.Equal(-3L, Call(0x4442434E, 0, 16, 0x1000, 0).Error); // not RAM
        Assert.Equal(-3L, Call(0x4442434E, 0, 16, RamBase, 1).Error); // high half set
    }

    [Fact]
    public void LegacyCallsReturnInA0()
    {
        _platform.Input.Enqueue((byte)'z');
        _harts[0].SetRegister(17, 2);
        _sbi.HandleEcall(_harts[0]);
        Assert.Equal((ulong)'z', _harts[0].GetRegister(10));
        _sbi.HandleEcall(_harts[0]);
        Assert.Equal(ulong.MaxValue, _harts[0].GetRegister(10));

        _harts[0].SetRegister(10, 'A');
        _harts[0].SetRegister(17, 1);
        _sbi.HandleEcall(_harts[0]);
        Assert.Equal("A", Encoding.ASCII.GetString(_platform.Output.ToArray()));
    }
}
