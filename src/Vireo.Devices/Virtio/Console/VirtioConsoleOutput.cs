namespace Vireo.Devices.Virtio.Console;

/// <summary>Receives bytes the guest wrote to the virtio console (called on the device's worker thread).</summary>
public delegate void VirtioConsoleOutput(ReadOnlySpan<byte> bytes);
