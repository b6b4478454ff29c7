using Vireo.Core.Bus;
using Vireo.Core.Memory;
using Vireo.Core.Timing;
using Vireo.Cpu;

namespace Vireo.Benchmarks.Cpu;

/// <summary>
/// A bare machine for the CPU benchmarks: 16 MiB of RAM at 0x8000_0000 holding one of <see cref="GuestPrograms"/>, an
/// <see cref="ExitDevice"/> at 0x10_0000 that ends a run, and one hart from the engine under test.
/// </summary>
internal sealed class GuestLoop : IDisposable
{
    public const ulong RamBase = 0x8000_0000;

    private readonly GuestRam _ram;

    public GuestLoop(ICpuEngine engine, uint[] code)
    {
        _ram = new GuestRam(RamBase, 16 << 20);
        var bus = new PhysicalBus(_ram);
        var exit = new ExitDevice();
        bus.Map(0x10_0000, exit);
        Hart = engine.CreateHart(0, new CpuEnvironment(bus, new MachineClock()) { ResetVector = RamBase });
        exit.Hart = Hart;
        byte[] image = new byte[code.Length * 4];
        Buffer.BlockCopy(code, 0, image, 0, image.Length);
        _ram.TryWrite(RamBase, image);
    }

    public IHart Hart { get; }

    /// <summary>Runs the program once from the start with x1-x31 cleared, until it writes the exit device.</summary>
    public void Run()
    {
        for (int i = 1; i < 32; i++)
        {
            Hart.SetRegister(i, 0);
        }

        Hart.Pc = RamBase;
        Hart.Run();
    }

    public void Dispose() => _ram.Dispose();
}
