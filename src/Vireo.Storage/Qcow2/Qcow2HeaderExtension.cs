namespace Vireo.Storage.Qcow2;

/// <summary>One header extension of a qcow2 image, kept byte for byte so a rewrite of the header preserves it.</summary>
/// <param name="Type">The extension type code (for example <see cref="Qcow2Header.BackingFormatExtension"/>).</param>
/// <param name="Data">The extension data without padding.</param>
public sealed record Qcow2HeaderExtension(uint Type, byte[] Data);
