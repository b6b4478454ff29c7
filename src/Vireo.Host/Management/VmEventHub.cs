using System.Threading.Channels;

namespace Vireo.Host.Management;

/// <summary>
/// Fans VM events out to any number of subscribers (the SSE endpoint, tests). A slow subscriber loses its oldest
/// events rather than slowing the VMs: each has its own bounded queue.
/// </summary>
public sealed class VmEventHub
{
    private readonly Lock _lock = new();
    private readonly List<Channel<VmEvent>> _subscribers = [];
    private long _sequence;

    /// <summary>Stamps and publishes an event; returns it with its sequence number.</summary>
    public VmEvent Publish(VmEventKind kind, string vm, Lifecycle.VmState? from, Lifecycle.VmState? to, string reason)
    {
        lock (_lock)
        {
            var e = new VmEvent(++_sequence, DateTimeOffset.UtcNow, kind, vm, from, to, reason);
            foreach (Channel<VmEvent> subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(e);
            }

            return e;
        }
    }

    /// <summary>Events from now on, until <paramref name="cancellation"/> fires.</summary>
    public async IAsyncEnumerable<VmEvent> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        var channel = Channel.CreateBounded<VmEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_lock)
        {
            _subscribers.Add(channel);
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellation).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out VmEvent? e))
                {
                    yield return e;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
