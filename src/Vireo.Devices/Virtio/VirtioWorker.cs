using System.Numerics;

namespace Vireo.Devices.Virtio;

/// <summary>
/// The I/O thread of one virtio device. vCPU threads only set a pending bit and wake it (QueueNotify must return
/// quickly); the worker then serves the pending queues. Enable/disable follow the device status; disabling waits for
/// the batch in progress, so after <see cref="Stop"/> no queue is touched by the worker.
/// </summary>
internal sealed class VirtioWorker : IDisposable
{
    private readonly Thread _thread;
#pragma warning disable CA2213 // see Dispose
    private readonly AutoResetEvent _wake = new(false);
#pragma warning restore CA2213
    private readonly Lock _gate = new();
    private readonly Action<int> _process;
    private int _pending;
    private int _busy;
    private volatile bool _enabled;
    private volatile bool _disposed;

    public VirtioWorker(string name, Action<int> process)
    {
        _process = process;
        _thread = new Thread(Run) { IsBackground = true, Name = name + " worker" };
        _thread.Start();
    }

    /// <summary>Marks <paramref name="queueIndex"/> as needing service and wakes the worker. Any thread.</summary>
    public void Notify(int queueIndex)
    {
        Interlocked.Or(ref _pending, 1 << queueIndex);
        _wake.Set();
    }

    /// <summary>Lets the worker serve queues.</summary>
    public void Start()
    {
        _enabled = true;
        _wake.Set();
    }

    /// <summary>Stops serving queues; with <paramref name="wait"/>, also waits for the batch in progress.</summary>
    public void Stop(bool wait)
    {
        _enabled = false;
        if (wait && Thread.CurrentThread != _thread)
        {
            lock (_gate)
            {
            }
        }
    }

    /// <summary>Drops pending notifications (device reset).</summary>
    public void ClearPending() => Interlocked.Exchange(ref _pending, 0);

    /// <summary>True when no batch runs and no notification waits (a stopped worker ignores notifications).</summary>
    /// <remarks>
    /// Pending is read before busy: the worker raises busy before it takes the pending bits, so in this order a batch
    /// that is about to run is always seen (the other order could read busy as 0, then pending as already taken).
    /// </remarks>
    public bool IsIdle => (Volatile.Read(ref _pending) == 0 || !_enabled) && Volatile.Read(ref _busy) == 0;

    internal string DebugState => $"pending {Volatile.Read(ref _pending)}, busy {Volatile.Read(ref _busy)}, enabled {_enabled}, thread {_thread.ThreadState}";

    private void Run()
    {
        while (true)
        {
            _wake.WaitOne();
            if (_disposed)
            {
                return;
            }

            lock (_gate)
            {
                if (!_enabled)
                {
                    continue;
                }

                // Busy goes up before the pending bits are taken, so IsIdle never sees "nothing pending, not busy"
                // while a batch is about to run.
                Volatile.Write(ref _busy, 1);
                int pending = Interlocked.Exchange(ref _pending, 0);
                while (pending != 0 && _enabled)
                {
                    int queue = BitOperations.TrailingZeroCount(pending);
                    pending &= pending - 1;
                    _process(queue);
                }

                Volatile.Write(ref _busy, 0);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _enabled = false;
        _wake.Set();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        // The event is left to its finalizer: a late QueueNotify from a hart must not hit a disposed handle.
    }
}
