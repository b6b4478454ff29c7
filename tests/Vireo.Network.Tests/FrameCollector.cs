using System.Collections.Concurrent;

namespace Vireo.Network.Tests;

/// <summary>Plays the guest NIC: keeps every frame a back-end delivers, or refuses them while <see cref="Busy"/>.</summary>
internal sealed class FrameCollector : IFrameReceiver
{
    private readonly BlockingCollection<byte[]> _frames = [];

    private volatile bool _busy;

    public bool Busy
    {
        get => _busy;
        set => _busy = value;
    }

    public bool Receive(ReadOnlySpan<byte> frame)
    {
        if (Busy)
        {
            return false;
        }

        _frames.Add(frame.ToArray());
        return true;
    }

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
