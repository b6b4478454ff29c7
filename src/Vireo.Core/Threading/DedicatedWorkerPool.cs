namespace Vireo.Core.Threading;

/// <summary>
/// A few threads of one device for blocking host I/O work items (a disk request, half of a large transfer), used
/// instead of the .NET thread pool. A pool worker that runs out of work spins before it sleeps so that the next item
/// starts at once; a virtual disk hands it an item about every millisecond, and on a two-core host the spinning pool
/// threads took a third of a core that the vCPU and the JIT's compile thread needed. Here an idle thread sleeps on its
/// own event at once, and a new item wakes exactly one sleeping thread (or starts one, up to the limit).
/// </summary>
/// <remarks>
/// Threads start on demand and end after a linger time without work, so an idle VM holds none. Items start in
/// the order queued, each on one thread. An item must catch what it expects: an exception that escapes it is unhandled,
/// as on the thread pool.
/// </remarks>
public sealed class DedicatedWorkerPool : IDisposable
{
    /// <summary>How long an idle thread waits for work before it ends, unless the constructor is given another time.</summary>
    public static readonly TimeSpan DefaultLinger = TimeSpan.FromSeconds(2);

    private readonly string _name;
    private readonly TimeSpan _linger;
    private readonly int _maxThreads;
    private readonly Lock _gate = new();
    private readonly Queue<IThreadPoolWorkItem> _work = new();
    private readonly Stack<Worker> _idle = new();
    private int _threads;
    private bool _disposed;

    /// <summary>
    /// Creates a pool of up to <paramref name="maxThreads"/> threads named <paramref name="name"/>, each ending after
    /// <paramref name="linger"/> (default <see cref="DefaultLinger"/>) without work.
    /// </summary>
    public DedicatedWorkerPool(string name, int maxThreads, TimeSpan? linger = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        _name = name;
        _maxThreads = maxThreads;
        _linger = linger ?? DefaultLinger;
    }

    /// <summary>Threads started so far (tests).</summary>
    public int ThreadsStarted { get; private set; }

    /// <summary>Threads alive now (tests).</summary>
    public int ThreadCount
    {
        get
        {
            lock (_gate)
            {
                return _threads;
            }
        }
    }

    /// <summary>Runs <paramref name="item"/> on one of the pool's threads. Any thread.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public void Queue(IThreadPoolWorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        Worker? wake = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _work.Enqueue(item);
            if (_idle.Count > 0)
            {
                wake = _idle.Pop();
            }
            else if (_threads < _maxThreads)
            {
                _threads++;
                ThreadsStarted++;
                var worker = new Worker(this);
                var thread = new Thread(static w => ((Worker)w!).Run()) { IsBackground = true, Name = _name };
                thread.UnsafeStart(worker);
            }
        }

        wake?.Signal();
    }

    /// <summary>Lets the threads end once the queued items are done; later <see cref="Queue"/> calls throw.</summary>
    public void Dispose()
    {
        Worker[] idle;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        foreach (Worker worker in idle)
        {
            worker.Signal();
        }
    }

    /// <summary>Takes the next item, or parks <paramref name="worker"/> as idle; false when the worker should end.</summary>
    private bool TryTake(Worker worker, out IThreadPoolWorkItem? item, out bool parked)
    {
        lock (_gate)
        {
            parked = false;
            if (_work.TryDequeue(out item))
            {
                return true;
            }

            if (_disposed)
            {
                _threads--;
                return false;
            }

            _idle.Push(worker);
            parked = true;
            return true;
        }
    }

    /// <summary>After an idle wait timed out: ends the worker unless <see cref="Queue"/> took it off the idle stack meanwhile.</summary>
    private bool StayAfterTimeout(Worker worker)
    {
        lock (_gate)
        {
            if (!_idle.Contains(worker))
            {
                // Popped (and about to be signalled) by Queue or Dispose between the timeout and this lock.
                return true;
            }

            // Only idle workers are on the stack; rebuild it without this one (a handful of entries at most).
            Worker[] others = [.. _idle];
            _idle.Clear();
            for (int i = others.Length - 1; i >= 0; i--)
            {
                if (others[i] != worker)
                {
                    _idle.Push(others[i]);
                }
            }

            _threads--;
            return false;
        }
    }

    private sealed class Worker(DedicatedWorkerPool pool)
    {
        // One spin before the kernel wait: the thread should sleep, not poll, when the pool has no work.
        private readonly ManualResetEventSlim _wake = new(false, 1);

        public void Signal() => _wake.Set();

        public void Run()
        {
            try
            {
                while (pool.TryTake(this, out IThreadPoolWorkItem? item, out bool parked))
                {
                    if (!parked)
                    {
                        item!.Execute();
                        continue;
                    }

                    if (!_wake.Wait(pool._linger) && !pool.StayAfterTimeout(this))
                    {
                        return;
                    }

                    _wake.Reset();
                }
            }
            finally
            {
                _wake.Dispose();
            }
        }
    }
}
