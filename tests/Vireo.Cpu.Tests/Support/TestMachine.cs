using Vireo.Core.Bus;
using Vireo.Core.Memory;
using Vireo.Core.Timing;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;

namespace Vireo.Cpu.Tests.Support;

/// <summary>Harts (interpreted, or with the region JIT when given options) on 4 MiB of RAM at 0x8000_0000 with a test device at 0x1000_0000 and a manual clock.</summary>
internal sealed unsafe class TestMachine : IDisposable
{
    public const ulong RamBase = 0x8000_0000;
    public const ulong RamSize = 4 << 20;
    public const ulong DeviceBase = 0x1000_0000;

    public TestMachine(ISupervisorCallHandler? supervisorCalls = null, int harts = 1, JitOptions? jit = null)
    {
        Ram = new GuestRam(RamBase, RamSize);
        Bus = new PhysicalBus(Ram);
        Bus.Map(DeviceBase, Device);
        Clock = new MachineClock(Time);
        Environment = new CpuEnvironment(Bus, Clock) { ResetVector = RamBase, SupervisorCalls = supervisorCalls };
        Harts = new Hart[harts];
        for (int i = 0; i < harts; i++)
        {
            Harts[i] = new Hart(i, Environment, jit);
        }
    }

    public GuestRam Ram { get; }

    public PhysicalBus Bus { get; }

    public TestDevice Device { get; } = new();

    public ManualTimeProvider Time { get; } = new();

    public MachineClock Clock { get; }

    public CpuEnvironment Environment { get; }

    public Hart[] Harts { get; }

    public Hart Hart => Harts[0];

    /// <summary>Writes instruction words at <paramref name="address"/>.</summary>
    public void Load(ulong address, params uint[] words)
    {
        for (int i = 0; i < words.Length; i++)
        {
            Write32(address + ((ulong)i * 4), words[i]);
        }
    }

    /// <summary>Writes 16-bit (compressed) instruction parcels at <paramref name="address"/>.</summary>
    public void Load16(ulong address, params ushort[] parcels)
    {
        for (int i = 0; i < parcels.Length; i++)
        {
            Ram.TryWrite(address + ((ulong)i * 2), BitConverter.GetBytes(parcels[i]));
        }
    }

    public void Write32(ulong address, uint value) => Ram.TryWrite(address, BitConverter.GetBytes(value));

    public void Write64(ulong address, ulong value) => Ram.TryWrite(address, BitConverter.GetBytes(value));

    public ulong Read64(ulong address) => *(ulong*)Ram.TryGetPointer(address, 8);

    public uint Read32(ulong address) => *(uint*)Ram.TryGetPointer(address, 4);

    /// <summary>Executes <paramref name="count"/> instructions one at a time (interrupts checked between them).</summary>
    public void Step(int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            Hart.Step();
        }
    }

    public ulong X(int index) => Hart.GetRegister(index);

    /// <summary>Gives S and U modes read, write and execute access to all physical memory (PMP entry 0, NAPOT over everything).</summary>
    public void AllowAllPhysicalMemory()
    {
        Hart.WriteCsr(0x3B0, ulong.MaxValue);
        Hart.WriteCsr(0x3A0, 0x1F);
    }

    public void Dispose() => Ram.Dispose();
}
