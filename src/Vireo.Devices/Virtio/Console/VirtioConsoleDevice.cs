namespace Vireo.Devices.Virtio.Console;

/// <summary>
/// virtio-console (device ID 3) with a single port: transmitq bytes go to an output callback, bytes queued with
/// <see cref="EnqueueInput"/> fill the guest's receiveq buffers. Linux sees it as <c>hvc0</c>.
/// </summary>
public sealed class VirtioConsoleDevice : VirtioDevice
{
    /// <summary>Queue size offered to the driver.</summary>
    public const ushort QueueSize = 64;

    /// <summary>Bytes of input buffered while the guest posts no receive buffers; more input is dropped.</summary>
    public const int InputCapacity = 64 * 1024;

    private const int ReceiveQueue = 0;
    private const int TransmitQueue = 1;

    private readonly VirtioConsoleOutput _output;
    private readonly byte[] _input = new byte[InputCapacity];
    private readonly Lock _inputLock = new();
    private int _inputStart;
    private int _inputCount;
    private VirtqueueChain? _chain;

    /// <summary>Creates a console that hands guest output to <paramref name="output"/>.</summary>
    public VirtioConsoleDevice(VirtioConsoleOutput output)
        : base(2, QueueSize)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <inheritdoc/>
    public override uint DeviceId => 3;

    /// <inheritdoc/>
    public override string Name => "virtio-console";

    /// <inheritdoc/>
    public override int ConfigSize => 12; // cols, rows, max_nr_ports, emerg_wr: all zero, no features use them

    /// <inheritdoc/>
    protected override ulong DeviceFeatures => 0;

    /// <summary>
    /// Queues host input (keyboard) for the guest. Thread-safe. Returns how many bytes were accepted; the rest is
    /// dropped when <see cref="InputCapacity"/> bytes are already waiting.
    /// </summary>
    public int EnqueueInput(ReadOnlySpan<byte> bytes)
    {
        int accepted;
        lock (_inputLock)
        {
            accepted = Math.Min(bytes.Length, InputCapacity - _inputCount);
            for (int i = 0; i < accepted; i++)
            {
                _input[(_inputStart + _inputCount + i) % InputCapacity] = bytes[i];
            }

            _inputCount += accepted;
        }

        if (accepted > 0 && IsAttached)
        {
            Transport.Kick(ReceiveQueue);
        }

        return accepted;
    }

    /// <inheritdoc/>
    protected internal override void ReadConfig(int offset, Span<byte> destination) => destination.Clear();

    /// <inheritdoc/>
    protected internal override void ProcessQueue(int queueIndex)
    {
        VirtqueueChain chain = _chain ??= new VirtqueueChain(Transport.Ram);
        Virtqueue queue = Transport.GetQueue(queueIndex);
        bool signal = queueIndex == TransmitQueue ? Transmit(queue, chain) : Receive(queue, chain);
        if (signal)
        {
            Transport.SignalUsedBuffer();
        }
    }

    private bool Transmit(Virtqueue queue, VirtqueueChain chain)
    {
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

            for (int i = 0; i < chain.ReadableCount; i++)
            {
                _output(chain.GetSpan(i));
            }

            signal |= queue.PushUsed(chain.Head, 0);
        }
    }

    private bool Receive(Virtqueue queue, VirtqueueChain chain)
    {
        bool signal = false;
        while (true)
        {
            // Only take a receive buffer when there is something to put in it: a taken chain cannot go back.
            lock (_inputLock)
            {
                if (_inputCount == 0)
                {
                    return signal;
                }
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

            uint written = 0;
            lock (_inputLock)
            {
                for (int i = chain.ReadableCount; i < chain.Count && _inputCount > 0; i++)
                {
                    Span<byte> span = chain.GetSpan(i);
                    int n = Math.Min(span.Length, _inputCount);
                    for (int k = 0; k < n; k++)
                    {
                        span[k] = _input[(_inputStart + k) % InputCapacity];
                    }

                    _inputStart = (_inputStart + n) % InputCapacity;
                    _inputCount -= n;
                    chain.Ram.NotifyWritten(chain.Segments[i].Address, (ulong)n);
                    written += (uint)n;
                }
            }

            signal |= queue.PushUsed(chain.Head, written);
        }
    }
}
