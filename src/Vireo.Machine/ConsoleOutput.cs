namespace Vireo.Machine;

/// <summary>Receives the guest console's output bytes (on a hart's or device worker's thread).</summary>
public delegate void ConsoleOutput(ReadOnlySpan<byte> bytes);
