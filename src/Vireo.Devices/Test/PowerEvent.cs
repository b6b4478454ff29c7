namespace Vireo.Devices.Test;

/// <summary>A power request from the guest.</summary>
/// <param name="Kind">Poweroff, reset or fail.</param>
/// <param name="Code">The exit code for <see cref="PowerEventKind.Fail"/> (bits 31:16 of the written value); 0 otherwise.</param>
public readonly record struct PowerEvent(PowerEventKind Kind, int Code);
