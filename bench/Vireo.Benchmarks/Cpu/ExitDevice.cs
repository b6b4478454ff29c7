using Vireo.Core.Bus;
using Vireo.Cpu;

namespace Vireo.Benchmarks.Cpu;

/// <summary>An MMIO register whose write stops the hart: the end of a benchmark loop.</summary>
internal sealed class ExitDevice : IMmioDevice
{
    public string Name => "exit";

    public ulong Size => 0x1000;

    public IHart? Hart { get; set; }

    public ulong Read(ulong offset, int size) => 0;

    public void Write(ulong offset, int size, ulong value) => Hart?.RequestExit();
}
