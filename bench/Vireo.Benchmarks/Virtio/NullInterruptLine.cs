using Vireo.Core.Interrupts;

namespace Vireo.Benchmarks.Virtio;

/// <summary>An interrupt wire nobody listens to (the benchmark polls the used ring).</summary>
internal sealed class NullInterruptLine : IInterruptLine
{
    public void Set(bool level)
    {
    }
}
