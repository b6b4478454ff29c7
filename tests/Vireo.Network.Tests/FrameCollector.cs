using System.Collections.Concurrent;

namespace Vireo.Network.Tests;

/// <summary>Plays the guest NIC: keeps every frame a back-end delivers, or refuses them while <see cref="Busy"/>.</summary>
internal sealed class FrameCollector : IFrameReceiver
{
    private readonly BlockingCollection<byte[]> _frames = [];

    private readonly ConcurrentDictionary<byte[], ReceiveOffload> _offloads = new(ReferenceEqualityComparer.Instance);
    private volatile bool _busy;

    public bool Busy
    {
        get => _busy;
        set => _busy = value;
    }

    /// <summary>Plays a NIC whose driver negotiated TCP segmentation offload toward the guest.</summary>
    public bool AcceptsLargeTcpSegments { get; set; }

    public bool Receive(ReadOnlySpan<byte> frame) => Receive(frame, default);

    public bool Receive(ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (Busy || (offload.TcpSegmentSize != 0 && !AcceptsLargeTcpSegments))
        {
            return false;
        }

        byte[] copy = frame.ToArray();
        _offloads[copy] = offload;
        _frames.Add(copy);
        return true;
    }

    /// <summary>The offload information a frame returned by <see cref="Next"/> came with.</summary>
    public ReceiveOffload OffloadOf(byte[] frame) => _offloads.TryGetValue(frame, out ReceiveOffload o) ? o : default;

    /// <summary>Next frame matching <paramref name="match"/> (others are discarded), or null after the timeout.</summary>
    public byte[]? Next(Func<byte[], bool> match, int timeoutMs = 5000)
    {
        DateTime end = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            int left = (int)(end - DateTime.UtcNow).TotalMilliseconds;
            if (left <= 0 || !_frames.TryTake(out byte[]? frame, left))
            {
                return null;
            }

            if (match(frame))
            {
                return frame;
            }
        }
    }

    public int Count => _frames.Count;

    public void Clear()
    {
        while (_frames.TryTake(out _))
        {
        }
    }
}
