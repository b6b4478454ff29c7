using System.Buffers.Binary;
using System.Text;

namespace Vireo.Devices.Virtio.Input;

/// <summary>
/// virtio-input (device ID 18, virtio 1.2 section 5.8) as a one-key keyboard: a power button. The guest's evdev sees
/// an input device that can send EV_KEY KEY_POWER; <see cref="PressPowerButton"/> queues a press and a release, each
/// followed by EV_SYN, so the guest can turn it into an orderly power-off.
/// </summary>
public sealed class VirtioInputDevice : VirtioDevice
{
    /// <summary>Queue size offered to the driver.</summary>
    public const ushort QueueSize = 64;

    /// <summary>The name the guest sees (EVIOCGNAME).</summary>
    public const string DeviceName = "Vireo power button";

    /// <summary>EV_SYN.</summary>
    public const ushort EventSync = 0;

    /// <summary>EV_KEY.</summary>
    public const ushort EventKey = 1;

    /// <summary>KEY_POWER.</summary>
    public const ushort KeyPower = 116;

    /// <summary>Events kept while the guest posts no buffers; more are dropped (a held-down button is pressed enough).</summary>
    public const int MaxPendingEvents = 256;

    private const int EventQueue = 0;
    private const int StatusQueue = 1;
    private const int ConfigUnion = 8;
    private const byte SelectIdName = 0x01;
    private const byte SelectIdSerial = 0x02;
    private const byte SelectIdDevids = 0x03;
    private const byte SelectEventBits = 0x11;

    private readonly Lock _lock = new();
    private readonly Queue<(ushort Type, ushort Code, uint Value)> _pending = new();
    private VirtqueueChain? _chain;
    private byte _select;
    private byte _subsel;
    private long _dropped;

    /// <summary>Creates the power-button device.</summary>
    public VirtioInputDevice()
        : base(2, QueueSize)
    {
    }

    /// <inheritdoc/>
    public override uint DeviceId => 18;

    /// <inheritdoc/>
    public override string Name => "virtio-input";

    /// <inheritdoc/>
    public override int ConfigSize => ConfigUnion + 128;

    /// <summary>Events dropped because the guest had no buffers posted and <see cref="MaxPendingEvents"/> were waiting.</summary>
    public long DroppedEvents => Interlocked.Read(ref _dropped);

    /// <summary>Events the guest has not taken yet.</summary>
    public int PendingEvents
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <inheritdoc/>
    protected override ulong DeviceFeatures => 0;

    /// <summary>Presses and releases the power button (thread-safe). Delivered as soon as the guest posts buffers.</summary>
    public void PressPowerButton()
    {
        lock (_lock)
        {
            if (_pending.Count + 4 > MaxPendingEvents)
            {
                Interlocked.Add(ref _dropped, 4);
                return;
            }

            _pending.Enqueue((EventKey, KeyPower, 1));
            _pending.Enqueue((EventSync, 0, 0));
            _pending.Enqueue((EventKey, KeyPower, 0));
            _pending.Enqueue((EventSync, 0, 0));
        }

        if (IsAttached)
        {
            Transport.Kick(EventQueue);
        }
    }

    /// <inheritdoc/>
    protected internal override void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
        // Only select and subsel are writable; the driver writes them one byte at a time.
        lock (_lock)
        {
            for (int i = 0; i < source.Length; i++)
            {
                if (offset + i == 0)
                {
                    _select = source[i];
                }
                else if (offset + i == 1)
                {
                    _subsel = source[i];
                }
            }
        }
    }

    /// <inheritdoc/>
    protected internal override void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[ConfigUnion + 128];
        config.Clear();
        byte select;
        byte subsel;
        lock (_lock)
        {
            select = _select;
            subsel = _subsel;
        }

        config[0] = select;
        config[1] = subsel;
        Span<byte> union = config[ConfigUnion..];
        int size = 0;
        switch (select)
        {
            case SelectIdName when subsel == 0:
                size = Encoding.ASCII.GetBytes(DeviceName, union);
                break;
            case SelectIdSerial when subsel == 0:
                size = Encoding.ASCII.GetBytes("vireo-power", union);
                break;
            case SelectIdDevids when subsel == 0:
                BinaryPrimitives.WriteUInt16LittleEndian(union, 0x06); // BUS_VIRTUAL
                BinaryPrimitives.WriteUInt16LittleEndian(union[2..], 0x1af4);
                BinaryPrimitives.WriteUInt16LittleEndian(union[4..], 0x0001);
                BinaryPrimitives.WriteUInt16LittleEndian(union[6..], 0x0001);
                size = 8;
                break;
            case SelectEventBits when subsel == EventKey:
                union[KeyPower / 8] = (byte)(1 << (KeyPower % 8));
                size = (KeyPower / 8) + 1;
                break;
        }

        config[2] = (byte)size;
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc/>
    protected internal override void ProcessQueue(int queueIndex)
    {
        VirtqueueChain chain = _chain ??= new VirtqueueChain(Transport.Ram);
        Virtqueue queue = Transport.GetQueue(queueIndex);
        bool signal = queueIndex == StatusQueue ? DrainStatus(queue, chain) : Deliver(queue, chain);
        if (signal)
        {
            Transport.SignalUsedBuffer();
        }
    }

    /// <inheritdoc/>
    protected internal override void OnReset()
    {
        // A press the old driver never took must not power off the next boot.
        lock (_lock)
        {
            _select = 0;
            _subsel = 0;
            _pending.Clear();
        }
    }

    private bool Deliver(Virtqueue queue, VirtqueueChain chain)
    {
        bool signal = false;
        Span<byte> raw = stackalloc byte[8];
        while (true)
        {
            (ushort Type, ushort Code, uint Value) next;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    return signal;
                }

                next = _pending.Peek();
            }

            VirtqueuePopResult result = queue.TryPop(chain, out string? error);
            if (result != VirtqueuePopResult.Chain)
            {
                if (result == VirtqueuePopResult.Malformed)
                {
                    Transport.Fail(error!);
                }

                return signal;
            }

            if (chain.WritableBytes < 8)
            {
                // Too small for an event: give it back empty, keep the event for the next buffer.
                signal |= queue.PushUsed(chain.Head, 0);
                continue;
            }

            BinaryPrimitives.WriteUInt16LittleEndian(raw, next.Type);
            BinaryPrimitives.WriteUInt16LittleEndian(raw[2..], next.Code);
            BinaryPrimitives.WriteUInt32LittleEndian(raw[4..], next.Value);
            chain.CopyToWritable(0, raw);
            lock (_lock)
            {
                _pending.Dequeue();
            }

            signal |= queue.PushUsed(chain.Head, 8);
        }
    }

    private bool DrainStatus(Virtqueue queue, VirtqueueChain chain)
    {
        // LED and other status events from the driver mean nothing for a power button: consume them.
        bool signal = false;
        while (true)
        {
            VirtqueuePopResult result = queue.TryPop(chain, out string? error);
            if (result != VirtqueuePopResult.Chain)
            {
                if (result == VirtqueuePopResult.Malformed)
                {
                    Transport.Fail(error!);
                }

                return signal;
            }

            signal |= queue.PushUsed(chain.Head, 0);
        }
    }
}
