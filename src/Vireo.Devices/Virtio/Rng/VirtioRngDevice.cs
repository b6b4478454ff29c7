using System.Security.Cryptography;

namespace Vireo.Devices.Virtio.Rng;

/// <summary>virtio-rng (device ID 4): fills every device-writable buffer from the host's cryptographic RNG.</summary>
public sealed class VirtioRngDevice : VirtioDevice
{
    /// <summary>Queue size offered to the driver.</summary>
    public const ushort QueueSize = 64;

    private VirtqueueChain? _chain;

    /// <summary>Creates an entropy device.</summary>
    public VirtioRngDevice()
        : base(1, QueueSize)
    {
    }

    /// <inheritdoc/>
    public override uint DeviceId => 4;

    /// <inheritdoc/>
    public override string Name => "virtio-rng";

    /// <inheritdoc/>
    public override int ConfigSize => 0;

    /// <inheritdoc/>
    protected override ulong DeviceFeatures => 0;

    /// <inheritdoc/>
    protected internal override void ReadConfig(int offset, Span<byte> destination)
    {
    }

    /// <inheritdoc/>
    protected internal override void ProcessQueue(int queueIndex)
    {
        VirtqueueChain chain = _chain ??= new VirtqueueChain(Transport.Ram);
        Virtqueue queue = Transport.GetQueue(queueIndex);
        bool signal = false;
        while (true)
        {
            VirtqueuePopResult result = queue.TryPop(chain, out string? error);
            if (result == VirtqueuePopResult.Malformed)
            {
                Transport.Fail(error!);
                break;
            }

            if (result == VirtqueuePopResult.Empty)
            {
                break;
            }

            uint written = 0;
            for (int i = chain.ReadableCount; i < chain.Count; i++)
            {
                Span<byte> span = chain.GetSpan(i);
                RandomNumberGenerator.Fill(span);
                chain.Ram.NotifyWritten(chain.Segments[i].Address, (ulong)span.Length);
                written += (uint)span.Length;
            }

            signal |= queue.PushUsed(chain.Head, written);
        }

        if (signal)
        {
            Transport.SignalUsedBuffer();
        }
    }
}
