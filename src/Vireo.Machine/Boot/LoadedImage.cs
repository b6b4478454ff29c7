namespace Vireo.Machine.Boot;

/// <summary>Where an image landed in guest RAM.</summary>
/// <param name="Entry">Guest physical address execution starts at.</param>
/// <param name="Start">Lowest guest physical address written.</param>
/// <param name="End">One past the highest guest physical address written (or reserved, for an Image's bss).</param>
public readonly record struct LoadedImage(ulong Entry, ulong Start, ulong End);
