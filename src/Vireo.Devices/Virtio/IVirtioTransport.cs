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

    /// <summary>
    /// Bumps the config generation and, once the driver is up (DRIVER_OK), raises the config-change interrupt. For a
    /// change of one field the device writes in a single store (a flag, a status word).
    /// </summary>
    void SignalConfigChanged();

    /// <summary>
    /// Runs <paramref name="change"/>, a device-side update of configuration space, so that a driver can never accept
    /// a torn read of it: the generation moves before and after the update (a driver reading across it sees two
    /// different generations and reads again), then the config-change interrupt is raised as by
    /// <see cref="SignalConfigChanged"/>. Any thread; not for hot paths.
    /// </summary>
    void ChangeConfig(Action change);

    /// <summary>Puts the device in DEVICE_NEEDS_RESET after a guest error, logs <paramref name="reason"/> once, and stops processing.</summary>
    void Fail(string reason);
}
