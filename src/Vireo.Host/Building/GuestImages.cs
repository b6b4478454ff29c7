namespace Vireo.Host.Building;

/// <summary>The default guest's kernel and initramfs.</summary>
public sealed record GuestImages(string Kernel, string Initrd);
