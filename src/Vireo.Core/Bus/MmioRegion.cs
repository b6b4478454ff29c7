namespace Vireo.Core.Bus;

/// <summary>One device window on the physical bus.</summary>
/// <param name="Base">Guest physical address of the first register.</param>
/// <param name="Size">Length of the window in bytes.</param>
/// <param name="Device">The device answering accesses in the window.</param>
public sealed record MmioRegion(ulong Base, ulong Size, IMmioDevice Device);
