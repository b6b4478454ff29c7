using System.Collections.Concurrent;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The compile work of one VM's harts, run one request at a time on a thread-pool thread so harts never wait for the
/// .NET JIT. Results go back to the requesting hart, which installs them between blocks. Newest first: a request made
/// now is for code that is hot now, while one that waited behind a burst (boot) may be cold by the time it is reached.
/// </summary>
internal sealed class JitCompileQueue
{
    private readonly ConcurrentStack<CompileRequest> _requests = new();
    private int _draining;

    public void Enqueue(CompileRequest request)
    {
        _requests.Push(request);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static queue => queue.Drain(), this, preferLocal: false);
        }
    }

    private void Drain()
    {
        while (true)
        {
            while (_requests.TryPop(out CompileRequest? request))
            {
                request.Owner.CompileAndPost(request);
            }

            Volatile.Write(ref _draining, 0);

            // A request enqueued after the last dequeue but before the flag cleared would otherwise wait for the next one.
            if (_requests.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
