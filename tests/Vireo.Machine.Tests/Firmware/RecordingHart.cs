using Vireo.Cpu;

namespace Vireo.Machine.Tests.Firmware;

/// <summary>A hart double for firmware tests: registers and CSRs in arrays, and a record of what was asked of it.</summary>
internal sealed class RecordingHart(int id) : IHart
{
    private readonly ulong[] _x = new ulong[32];

    public Dictionary<int, ulong> Csrs { get; } = [];

    public ulong PendingMip { get; private set; }

    public int TlbFlushes { get; private set; }

    public int InstructionCacheFlushes { get; private set; }

    public (ulong Address, ulong Opaque, PrivilegeMode Mode)? Started { get; private set; }

    public bool StopCalled { get; private set; }

    public int HartId => id;

    public ulong TimerCompare { get; set; }

    public ulong Pc { get; set; }

    public PrivilegeMode Mode { get; set; } = PrivilegeMode.Supervisor;

    public HartRunState RunState { get; set; } = HartRunState.Started;

    public ulong InstructionsRetired => 0;

    public ulong GetRegister(int index) => index == 0 ? 0 : _x[index];

    public void SetRegister(int index, ulong value)
    {
        if (index != 0)
        {
            _x[index] = value;
        }
    }

    public ulong ReadCsr(int address) => Csrs.GetValueOrDefault(address);

    public void WriteCsr(int address, ulong value) => Csrs[address] = value;

    public void SetPending(ulong mipMask, bool level) => PendingMip = level ? PendingMip | mipMask : PendingMip & ~mipMask;

    public void Run() => throw new NotSupportedException();

    public HartSliceResult RunSlice(long endTimestamp) => throw new NotSupportedException();

    public ulong WaitDeadline => ulong.MaxValue;

    public Action? WakeHandler { get; set; }

    public void RequestYield()
    {
    }

    public void RequestExit()
    {
    }

    public bool Start(ulong startAddress, ulong opaque, PrivilegeMode mode)
    {
        if (RunState != HartRunState.Stopped)
        {
            return false;
        }

        Started = (startAddress, opaque, mode);
        RunState = HartRunState.Started;
        return true;
    }

    public void Stop()
    {
        StopCalled = true;
        RunState = HartRunState.Stopped;
    }

    public void Reset(bool stopped) => RunState = stopped ? HartRunState.Stopped : HartRunState.Started;

    public void RequestTlbFlush() => TlbFlushes++;

    public void RequestInstructionCacheFlush() => InstructionCacheFlushes++;
}
