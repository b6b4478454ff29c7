using System.Buffers.Binary;
using Vireo.Core.Bus;
using Vireo.Core.Interrupts;
using Vireo.Core.Memory;

namespace Vireo.Devices.Virtio;

/// <summary>
/// The virtio-mmio version 2 transport (virtio 1.2, section 4.2): one 4 KiB register window exposing a
/// <see cref="VirtioDevice"/> to the guest, with feature negotiation, the device status machine, queue setup,
/// notifications handed to an I/O worker thread, and a level interrupt (high while InterruptStatus is non-zero).
/// </summary>
/// <remarks>
/// Registers are accessed from any hart thread and serialize on a lock; the device's queues are served on the
/// transport's worker thread. A guest error (bad ring layout, malformed descriptor) sets DEVICE_NEEDS_RESET, raises
/// the config-change interrupt, logs one line and stops the device until the driver resets it.
/// </remarks>
public sealed class VirtioMmioTransport : IMmioDevice, IVirtioTransport, IDisposable
{
    /// <summary>Size of every virtio-mmio window.</summary>
    public const ulong WindowSize = 0x1000;

    /// <summary>"virt" in little-endian ASCII.</summary>
    public const uint Magic = 0x74726976;

    /// <summary>The modern (non-legacy) virtio-mmio version.</summary>
    public const uint TransportVersion = 2;

    /// <summary>Vendor ID reported to the guest: "QEMU", as QEMU does, so guests treat the devices alike.</summary>
    public const uint Vendor = 0x554d4551;

    private readonly VirtioDevice _device;
    private readonly IInterruptLine _interrupt;
    private readonly Action<string>? _log;
    private readonly Virtqueue[] _queues;
    private readonly VirtioWorker _worker;
    private readonly Lock _lock = new();
    private readonly Lock _interruptLock = new();
    private readonly Lock _configLock = new();
    private uint _deviceFeaturesSel;
    private uint _driverFeaturesSel;
    private ulong _driverFeatures;
    private ulong _negotiated;
    private uint _queueSel;
    private volatile uint _status;
    private int _needsReset;
    private volatile bool _paused;
    private uint _interruptStatus;
    private int _configGeneration;
    private bool _disposed;

    /// <summary>
    /// Wraps <paramref name="device"/> in a virtio-mmio window over <paramref name="ram"/>, raising
    /// <paramref name="interrupt"/> (a PLIC source). <paramref name="log"/> receives one line per device error.
    /// The transport owns the device and disposes it.
    /// </summary>
    public VirtioMmioTransport(VirtioDevice device, GuestRam ram, IInterruptLine interrupt, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(ram);
        ArgumentNullException.ThrowIfNull(interrupt);
        _device = device;
        Ram = ram;
        _interrupt = interrupt;
        _log = log;
        _queues = new Virtqueue[device.QueueCount];
        for (int i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new Virtqueue(ram, i, device.MaxQueueSize);
        }

        device.Attach(this);
        _worker = new VirtioWorker(device.Name, ProcessQueue);
    }

    /// <inheritdoc/>
    public string Name => _device.Name;

    /// <inheritdoc/>
    public ulong Size => WindowSize;

    /// <summary>The device model behind the window.</summary>
    public VirtioDevice Device => _device;

    /// <inheritdoc/>
    public GuestRam Ram { get; }

    /// <inheritdoc/>
    public ulong NegotiatedFeatures => _negotiated;

    /// <inheritdoc/>
    public bool IsLive => (_status & (VirtioDeviceStatus.DriverOk | VirtioDeviceStatus.Failed)) == VirtioDeviceStatus.DriverOk
        && Volatile.Read(ref _needsReset) == 0;

    /// <summary>The device status register as the guest reads it.</summary>
    public uint Status => _status | (Volatile.Read(ref _needsReset) != 0 ? VirtioDeviceStatus.DeviceNeedsReset : 0);

    /// <summary>True when no notification is pending and no request is in flight (for tests and shutdown).</summary>
    public bool IsIdle => _worker.IsIdle && _device.IsIdle;

    internal string DebugState => $"status 0x{Status:x}, worker {_worker.DebugState}, device idle {_device.IsIdle}, queue 0: {_queues[0].DebugState}";

    /// <inheritdoc/>
    public Virtqueue GetQueue(int index) => _queues[index];

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        if (offset >= VirtioMmioRegister.Config)
        {
            return ReadConfig(offset - VirtioMmioRegister.Config, size);
        }

        // The common registers are 32 bits wide; other widths and misaligned accesses read as zero.
        if (size != 4 || (offset & 3) != 0)
        {
            return 0;
        }

        lock (_lock)
        {
            Virtqueue? queue = _queueSel < _queues.Length ? _queues[_queueSel] : null;
            return (int)offset switch
            {
                VirtioMmioRegister.MagicValue => Magic,
                VirtioMmioRegister.Version => TransportVersion,
                VirtioMmioRegister.DeviceId => _device.DeviceId,
                VirtioMmioRegister.VendorId => Vendor,
                VirtioMmioRegister.DeviceFeatures => _deviceFeaturesSel switch
                {
                    0 => (uint)_device.OfferedFeatures,
                    1 => (uint)(_device.OfferedFeatures >> 32),
                    _ => 0,
                },
                VirtioMmioRegister.QueueNumMax => queue?.MaxSize ?? 0u,
                VirtioMmioRegister.QueueReady => queue?.IsReady == true ? 1u : 0u,
                VirtioMmioRegister.InterruptStatus => Volatile.Read(ref _interruptStatus),
                VirtioMmioRegister.Status => Status,
                VirtioMmioRegister.ShmLenLow or VirtioMmioRegister.ShmLenHigh => uint.MaxValue, // no shared memory regions
                VirtioMmioRegister.ShmBaseLow or VirtioMmioRegister.ShmBaseHigh => uint.MaxValue,
                VirtioMmioRegister.ConfigGeneration => (uint)Volatile.Read(ref _configGeneration),
                _ => 0,
            };
        }
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        if (offset >= VirtioMmioRegister.Config)
        {
            WriteConfig(offset - VirtioMmioRegister.Config, size, value);
            return;
        }

        if (size != 4 || (offset & 3) != 0)
        {
            return;
        }

        uint v = (uint)value;
        if (offset == VirtioMmioRegister.QueueNotify)
        {
            // The hot register: no lock, just wake the worker.
            if (v < (uint)_queues.Length)
            {
                _worker.Notify((int)v);
            }

            return;
        }

        if (offset == VirtioMmioRegister.InterruptAck)
        {
            AcknowledgeInterrupt(v);
            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            switch ((int)offset)
            {
                case VirtioMmioRegister.DeviceFeaturesSel:
                    _deviceFeaturesSel = v;
                    break;
                case VirtioMmioRegister.DriverFeaturesSel:
                    _driverFeaturesSel = v;
                    break;
                case VirtioMmioRegister.DriverFeatures:
                    WriteDriverFeatures(v);
                    break;
                case VirtioMmioRegister.QueueSel:
                    _queueSel = v;
                    break;
                case VirtioMmioRegister.Status:
                    WriteStatus(v);
                    break;
                case VirtioMmioRegister.QueueReady:
                    WriteQueueReady(v);
                    break;
                case VirtioMmioRegister.QueueNum:
                case VirtioMmioRegister.QueueDescLow:
                case VirtioMmioRegister.QueueDescHigh:
                case VirtioMmioRegister.QueueDriverLow:
                case VirtioMmioRegister.QueueDriverHigh:
                case VirtioMmioRegister.QueueDeviceLow:
                case VirtioMmioRegister.QueueDeviceHigh:
                    WriteQueueLayout((int)offset, v);
                    break;
                default:
                    break;
            }
        }
    }

    /// <inheritdoc/>
    public void Kick(int queueIndex)
    {
        if ((uint)queueIndex < (uint)_queues.Length)
        {
            _worker.Notify(queueIndex);
        }
    }

    /// <inheritdoc/>
    public void SignalUsedBuffer() => RaiseInterrupt(VirtioInterruptStatus.UsedBuffer);

    /// <inheritdoc/>
    public void SignalConfigChanged()
    {
        Interlocked.Increment(ref _configGeneration);
        NotifyConfigChanged();
    }

    /// <inheritdoc/>
    public void ChangeConfig(Action change)
    {
        ArgumentNullException.ThrowIfNull(change);

        // Serialised, so two concurrent changes cannot interleave their generation steps.
        lock (_configLock)
        {
            Interlocked.Increment(ref _configGeneration);
            change();
            Interlocked.Increment(ref _configGeneration);
        }

        NotifyConfigChanged();
    }

    /// <inheritdoc/>
    public void Fail(string reason)
    {
        if (Interlocked.Exchange(ref _needsReset, 1) != 0)
        {
            return;
        }

        // Never wait here: Fail can run on the worker or on a thread the worker itself is waiting for.
        _worker.Stop(wait: false);
        _log?.Invoke($"{_device.Name}: device needs reset: {reason}");
        RaiseInterrupt(VirtioInterruptStatus.ConfigChange);
    }

    /// <summary>
    /// Quiesces the device for a VM pause: the worker stops serving queues (notifications stay pending) and in-flight
    /// requests are waited for, so nothing of this device writes guest memory until <see cref="Resume"/>. Returns false
    /// when the device did not go idle within <paramref name="timeout"/> (it stays paused).
    /// </summary>
    public bool Pause(TimeSpan timeout)
    {
        _paused = true;
        _worker.Stop(wait: true);
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!_device.IsIdle)
        {
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    /// <summary>Ends a <see cref="Pause"/>: a live device serves the notifications that arrived meanwhile.</summary>
    public void Resume()
    {
        _paused = false;
        if (IsLive && Volatile.Read(ref _needsReset) == 0)
        {
            _worker.Start();
        }
    }

    /// <summary>Stops the worker, drains in-flight requests and disposes the device.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _worker.Stop(wait: true);
            _device.OnReset();
            _worker.Dispose();
            _device.Dispose();
        }
    }

    private void ProcessQueue(int queueIndex)
    {
        if (!IsLive || !_queues[queueIndex].IsReady)
        {
            return;
        }

        try
        {
            _device.ProcessQueue(queueIndex);
        }
#pragma warning disable CA1031 // A device bug must become a device error, never kill the VM process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fail($"internal error in queue {queueIndex}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private void WriteDriverFeatures(uint value)
    {
        // Features are frozen once FEATURES_OK was accepted.
        if ((_status & VirtioDeviceStatus.FeaturesOk) != 0)
        {
            return;
        }

        if (_driverFeaturesSel == 0)
        {
            _driverFeatures = (_driverFeatures & 0xffff_ffff_0000_0000UL) | value;
        }
        else if (_driverFeaturesSel == 1)
        {
            _driverFeatures = (_driverFeatures & 0xffff_ffffUL) | ((ulong)value << 32);
        }
    }

    private void WriteStatus(uint value)
    {
        if (value == 0)
        {
            ResetDevice();
            return;
        }

        uint old = _status;

        // NEEDS_RESET is the device's bit, reported separately; the driver cannot set or clear it.
        value &= ~VirtioDeviceStatus.DeviceNeedsReset;
        if ((value & VirtioDeviceStatus.FeaturesOk) != 0 && (old & VirtioDeviceStatus.FeaturesOk) == 0)
        {
            // Refuse features we did not offer, and legacy drivers (no VERSION_1): FEATURES_OK then reads back clear.
            bool acceptable = (_driverFeatures & ~_device.OfferedFeatures) == 0 && (_driverFeatures & VirtioFeatures.Version1) != 0;
            if (acceptable)
            {
                _negotiated = _driverFeatures;
            }
            else
            {
                value &= ~VirtioDeviceStatus.FeaturesOk;
            }
        }

        if ((value & VirtioDeviceStatus.DriverOk) != 0 && (old & VirtioDeviceStatus.DriverOk) == 0)
        {
            if ((value & VirtioDeviceStatus.FeaturesOk) == 0)
            {
                value &= ~VirtioDeviceStatus.DriverOk;
            }
            else
            {
                _status = value;
                _device.OnDriverOk();
                if (!_paused)
                {
                    _worker.Start();
                }

                // Drivers may post buffers (receive queues) before DRIVER_OK; look at every queue once.
                for (int i = 0; i < _queues.Length; i++)
                {
                    _worker.Notify(i);
                }

                return;
            }
        }

        if ((value & VirtioDeviceStatus.Failed) != 0)
        {
            _worker.Stop(wait: false);
        }

        _status = value;
    }

    private void ResetDevice()
    {
        _worker.Stop(wait: true);
        _device.OnReset();
        _worker.ClearPending();
        foreach (Virtqueue queue in _queues)
        {
            queue.Reset();
        }

        _status = 0;
        _driverFeatures = 0;
        _negotiated = 0;
        _deviceFeaturesSel = 0;
        _driverFeaturesSel = 0;
        _queueSel = 0;
        Volatile.Write(ref _needsReset, 0);
        lock (_interruptLock)
        {
            _interruptStatus = 0;
            _interrupt.Set(false);
        }
    }

    private void WriteQueueReady(uint value)
    {
        if (_queueSel >= _queues.Length)
        {
            return;
        }

        Virtqueue queue = _queues[_queueSel];
        if (value == 0)
        {
            // Disabling a queue under a running device is not supported (no VIRTIO_F_RING_RESET); before DRIVER_OK
            // it just takes the queue down.
            if ((_status & VirtioDeviceStatus.DriverOk) == 0)
            {
                ushort size = queue.Size;
                queue.Reset();
                queue.Size = size;
            }

            return;
        }

        if (queue.IsReady)
        {
            return;
        }

        string? error = queue.Activate(_negotiated);
        if (error != null)
        {
            Fail(error);
            return;
        }

        if ((_status & VirtioDeviceStatus.DriverOk) != 0)
        {
            _worker.Notify(queue.Index);
        }
    }

    private void WriteQueueLayout(int offset, uint value)
    {
        if (_queueSel >= _queues.Length)
        {
            return;
        }

        // The layout is fixed while the queue is live.
        Virtqueue queue = _queues[_queueSel];
        if (queue.IsReady)
        {
            return;
        }

        switch (offset)
        {
            case VirtioMmioRegister.QueueNum:
                queue.Size = (ushort)Math.Min(value, ushort.MaxValue);
                break;
            case VirtioMmioRegister.QueueDescLow:
                queue.DescriptorAddress = SetLow(queue.DescriptorAddress, value);
                break;
            case VirtioMmioRegister.QueueDescHigh:
                queue.DescriptorAddress = SetHigh(queue.DescriptorAddress, value);
                break;
            case VirtioMmioRegister.QueueDriverLow:
                queue.DriverAddress = SetLow(queue.DriverAddress, value);
                break;
            case VirtioMmioRegister.QueueDriverHigh:
                queue.DriverAddress = SetHigh(queue.DriverAddress, value);
                break;
            case VirtioMmioRegister.QueueDeviceLow:
                queue.DeviceAddress = SetLow(queue.DeviceAddress, value);
                break;
            case VirtioMmioRegister.QueueDeviceHigh:
                queue.DeviceAddress = SetHigh(queue.DeviceAddress, value);
                break;
            default:
                break;
        }
    }

    private static ulong SetLow(ulong current, uint value) => (current & 0xffff_ffff_0000_0000UL) | value;

    private static ulong SetHigh(ulong current, uint value) => (current & 0xffff_ffffUL) | ((ulong)value << 32);

    private ulong ReadConfig(ulong offset, int size)
    {
        if (!IsConfigAccess(offset, size))
        {
            return 0;
        }

        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        _device.ReadConfig((int)offset, bytes[..size]);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    private void WriteConfig(ulong offset, int size, ulong value)
    {
        if (!IsConfigAccess(offset, size))
        {
            return;
        }

        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _device.WriteConfig((int)offset, bytes[..size]);
    }

    private bool IsConfigAccess(ulong offset, int size) =>
        size is 1 or 2 or 4 or 8 && offset < (ulong)_device.ConfigSize && (ulong)size <= (ulong)_device.ConfigSize - offset;

    private void AcknowledgeInterrupt(uint bits)
    {
        lock (_interruptLock)
        {
            _interruptStatus &= ~bits;
            _interrupt.Set(_interruptStatus != 0);
        }
    }

    private void NotifyConfigChanged()
    {
        // Before DRIVER_OK no driver handles (or acknowledges) the interrupt; a driver still probing reads the
        // configuration under the generation, which is enough.
        if ((_status & VirtioDeviceStatus.DriverOk) != 0)
        {
            RaiseInterrupt(VirtioInterruptStatus.ConfigChange);
        }
    }

    private void RaiseInterrupt(uint bits)
    {
        lock (_interruptLock)
        {
            _interruptStatus |= bits;
            _interrupt.Set(true);
        }
    }
}
