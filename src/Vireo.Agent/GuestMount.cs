namespace Vireo.Agent;

/// <summary>One mounted file system in the guest.</summary>
public sealed record GuestMount(string Device, string Path, string Type);
