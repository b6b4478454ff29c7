namespace Vireo.Devices.Virtio;

/// <summary>
/// A virtio device model (block, console, rng, net...), independent of the transport. The transport owns the
/// registers, feature negotiation, status machine, queues and the worker thread; a device only describes itself and
/// serves its queues in <see cref="ProcessQueue"/>, which always runs on the device's worker thread, never a vCPU.
/// </summary>
public abstract class VirtioDevice : IDisposable
{
    private IVirtioTransport? _transport;

    /// <summary>Creates a device with <paramref name="queueCount"/> queues of up to <paramref name="maxQueueSize"/> entries.</summary>
    protected VirtioDevice(int queueCount, ushort maxQueueSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(queueCount, 32);
        if (maxQueueSize == 0 || (maxQueueSize & (maxQueueSize - 1)) != 0 || maxQueueSize > 32768)
        {
            throw new ArgumentOutOfRangeException(nameof(maxQueueSize), "Queue size must be a power of two up to 32768.");
        }

        QueueCount = queueCount;
        MaxQueueSize = maxQueueSize;
    }

    /// <summary>Virtio device ID (2 block, 3 console, 4 entropy...).</summary>
    public abstract uint DeviceId { get; }

    /// <summary>Short name for logs and the device tree, for example "virtio-blk".</summary>
    public abstract string Name { get; }

    /// <summary>Number of virtqueues.</summary>
    public int QueueCount { get; }

    /// <summary>Largest queue size offered (QueueNumMax).</summary>
    public ushort MaxQueueSize { get; }

    /// <summary>Every feature offered: the transport's plus <see cref="DeviceFeatures"/>.</summary>
    public ulong OfferedFeatures => VirtioFeatures.Transport | DeviceFeatures;

    /// <summary>Length of the device configuration space in bytes.</summary>
    public abstract int ConfigSize { get; }

    /// <summary>Device-specific feature bits offered (bits 0-23 and 50-127 in the spec's numbering).</summary>
    protected abstract ulong DeviceFeatures { get; }

    /// <summary>The transport; valid once the device is attached.</summary>
    protected IVirtioTransport Transport => _transport ?? throw new InvalidOperationException("Device is not attached to a transport.");

    /// <summary>True once a transport exposes the device.</summary>
    protected bool IsAttached => _transport != null;

    /// <summary>True when the driver accepted all bits of <paramref name="feature"/>.</summary>
    protected bool IsNegotiated(ulong feature) => (Transport.NegotiatedFeatures & feature) == feature;

    internal void Attach(IVirtioTransport transport)
    {
        if (_transport != null)
        {
            throw new InvalidOperationException($"{Name} is already attached to a transport.");
        }

        _transport = transport;
    }

    /// <summary>Reads configuration bytes at <paramref name="offset"/> (already range-checked) into <paramref name="destination"/>.</summary>
    protected internal abstract void ReadConfig(int offset, Span<byte> destination);

    /// <summary>Driver write to configuration space (already range-checked). Ignored unless a device overrides it.</summary>
    protected internal virtual void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
    }

    /// <summary>Serves queue <paramref name="queueIndex"/> after a notification or <see cref="IVirtioTransport.Kick"/>. Worker thread only.</summary>
    protected internal abstract void ProcessQueue(int queueIndex);

    /// <summary>Called once the driver set DRIVER_OK, before the worker starts.</summary>
    protected internal virtual void OnDriverOk()
    {
    }

    /// <summary>Called on device reset after the worker stopped: finish or drop in-flight work, forget negotiated state.</summary>
    protected internal virtual void OnReset()
    {
    }

    /// <summary>True when no request is in flight outside the worker thread (tests and quiescing use it).</summary>
    protected internal virtual bool IsIdle => true;

    /// <summary>Releases host resources held by the device (not the back-end it was given).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources; <paramref name="disposing"/> is false from a finalizer.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
