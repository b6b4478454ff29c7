using Vireo.Core.Interrupts;

namespace Vireo.Machine.Devices;

/// <summary>The wire from one device into one PLIC source.</summary>
internal sealed class PlicLine(Plic plic, int source) : IInterruptLine
{
    /// <inheritdoc/>
    public void Set(bool level) => plic.SetSourceLevel(source, level);
}
