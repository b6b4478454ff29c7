namespace Vireo.Devices.Virtio.Balloon;

/// <summary>
/// How a VM's virtio-balloon is configured: plain data (a VM spec embeds it; <c>vireo run --balloon</c> parses it).
/// </summary>
public sealed record BalloonOptions
{
    /// <summary>Offer VIRTIO_BALLOON_F_DEFLATE_ON_OOM: the guest takes balloon pages back instead of killing a process.</summary>
    public bool DeflateOnOom { get; init; } = true;

    /// <summary>Offer VIRTIO_BALLOON_F_REPORTING: pages the guest frees go back to the host without any host action.</summary>
    public bool FreePageReporting { get; init; } = true;

    /// <summary>How often the device asks the guest for fresh statistics; <see cref="TimeSpan.Zero"/> asks only on <see cref="VirtioBalloonDevice.RequestStats"/>.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Balloon size the host asks for at boot, in bytes (0: none).</summary>
    public ulong InitialTargetBytes { get; init; }
}
