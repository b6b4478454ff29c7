using Vireo.Core.Memory;

namespace Vireo.Devices.Virtio;

/// <summary>What a virtio device model needs from the transport that exposes it (virtio-mmio today, PCI later).</summary>
public interface IVirtioTransport
{
    /// <summary>The guest RAM the device's queues and buffers live in.</summary>
    GuestRam Ram { get; }

    /// <summary>Features both sides agreed on (valid after FEATURES_OK).</summary>
    ulong NegotiatedFeatures { get; }

    /// <summary>True while the device may process queues: DRIVER_OK set and not NEEDS_RESET or FAILED.</summary>
    bool IsLive { get; }

    /// <summary>Queue <paramref name="index"/>.</summary>
    Virtqueue GetQueue(int index);

    /// <summary>Asks the worker to call <see cref="VirtioDevice.ProcessQueue"/> for the queue soon (device-side work).</summary>
    void Kick(int queueIndex);

    /// <summary>Raises the used-buffer interrupt.</summary>
    void SignalUsedBuffer();

    /// <summary>Bumps the config generation and raises the config-change interrupt.</summary>
    void SignalConfigChanged();

    /// <summary>Puts the device in DEVICE_NEEDS_RESET after a guest error, logs <paramref name="reason"/> once, and stops processing.</summary>
    void Fail(string reason);
}
