using System.Collections.Concurrent;
using Vireo.Core.Threading;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The compile work of one VM's harts, run one request at a time on the VM's own compile thread so harts never wait
/// for the .NET JIT. Results go back to the requesting hart, which installs them between blocks. Newest first: a
/// request made now is for code that is hot now, while one that waited behind a burst (boot) may be cold by the time
/// it is reached.
/// </summary>
/// <remarks>
/// The thread runs at a lowered priority (<see cref="BackgroundPriority"/>): compiling a region costs the .NET JIT
/// ~50 µs per guest instruction, and on a small host it competed with the vCPU and the block-device threads for the
/// same cores, while it only pays off later. It is not a thread-pool thread either, so the pool stays free for the
/// devices' work items. The thread starts with the first request and ends after <see cref="Linger"/> without one, so an
/// idle VM (and a disposed one) holds no thread.
/// </remarks>
internal sealed class JitCompileQueue
{
    /// <summary>How long the compile thread waits for another request before it ends.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentStack<CompileRequest> _requests = new();
    private readonly object _gate = new();
    private int _draining;

    /// <summary>Compile threads started so far (one per burst of requests after an idle spell).</summary>
    public int ThreadsStarted { get; private set; }

    public void Enqueue(CompileRequest request)
    {
        _requests.Push(request);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            ThreadsStarted++;
            var thread = new Thread(static queue => ((JitCompileQueue)queue!).Drain()) { IsBackground = true, Name = "vireo jit" };
            thread.UnsafeStart(this);
            return;
        }

        // The compile thread may be lingering: wake it.
        lock (_gate)
        {
            Monitor.Pulse(_gate);
        }
    }

    private void Drain()
    {
        BackgroundPriority.LowerCurrentThread();
        while (true)
        {
            while (_requests.TryPop(out CompileRequest? request))
            {
                request.Owner.CompileAndPost(request);
            }

            lock (_gate)
            {
                if (_requests.IsEmpty)
                {
                    Monitor.Wait(_gate, Linger);
                }
            }

            if (!_requests.IsEmpty)
            {
                continue;
            }

            Volatile.Write(ref _draining, 0);

            // A request pushed after the last check but before the flag cleared would otherwise wait for the next one.
            if (_requests.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
