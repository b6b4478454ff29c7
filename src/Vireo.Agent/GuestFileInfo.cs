namespace Vireo.Agent;

/// <summary>A guest file's permission bits and size, sent before its data.</summary>
/// <param name="Mode">Permission bits (07777).</param>
/// <param name="Size">Size in bytes when the transfer began.</param>
public readonly record struct GuestFileInfo(int Mode, long Size);
