using System.Diagnostics;

namespace Vireo.Scheduling;

/// <summary>
/// The pool's one timer thread: wakes parked vCPUs at their WFI deadlines (the guest timer), so no thread per hart
/// waits. Deadlines are host <see cref="Stopwatch"/> timestamps; an armed timer whose vCPU parked again since is stale
/// and dropped when it fires.
/// </summary>
internal sealed class PoolTimer : IDisposable
{
    private readonly PriorityQueue<(PoolVcpu Vcpu, long Sequence), long> _queue = new();
    private readonly Action<PoolVcpu, long> _fire;
    private readonly Lock _lock = new();
    private readonly Thread _thread;
    private readonly AutoResetEvent _changed = new(false);
    private bool _disposed;

    public PoolTimer(Action<PoolVcpu, long> fire)
    {
        _fire = fire;
        _thread = new Thread(Loop) { IsBackground = true, Name = "vireo vcpu timer" };
        _thread.Start();
    }

    /// <summary>Wakes <paramref name="vcpu"/> at <paramref name="timestamp"/> unless it parked again (another sequence) meanwhile.</summary>
    public void Arm(PoolVcpu vcpu, long sequence, long timestamp)
    {
        bool earliest;
        lock (_lock)
        {
            earliest = !_queue.TryPeek(out _, out long first) || timestamp < first;
            _queue.Enqueue((vcpu, sequence), timestamp);
        }

        if (earliest)
        {
            _changed.Set();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _changed.Set();
        _thread.Join();
        _changed.Dispose();
    }

    private void Loop()
    {
        var due = new List<(PoolVcpu, long)>();
        while (true)
        {
            int waitMs;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                long now = Stopwatch.GetTimestamp();
                while (_queue.TryPeek(out (PoolVcpu, long) entry, out long at) && at <= now)
                {
                    _queue.Dequeue();
                    due.Add(entry);
                }

                if (_queue.TryPeek(out _, out long next))
                {
                    // Round up: a wake-up at most a millisecond late, never early (an early one would only re-park).
                    long ticks = next - now;
                    waitMs = (int)Math.Min(1000, ((ticks * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
                }
                else
                {
                    waitMs = Timeout.Infinite;
                }
            }

            foreach ((PoolVcpu vcpu, long sequence) in due)
            {
                _fire(vcpu, sequence);
            }

            due.Clear();
            _changed.WaitOne(waitMs);
        }
    }
}
