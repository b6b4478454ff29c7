using Vireo.Core.Threading;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The compile work of one VM's harts, run one request at a time on the VM's own compile thread so harts never wait
/// for the .NET JIT. Results go back to the requesting hart, which installs them between blocks. Hottest first: the
/// request whose page collected the most samples while it waited (see <see cref="JitPageState.PendingSamples"/>),
/// the newest among equals. Code that stopped running collects none, and a loop that runs on while its request waits
/// climbs over the rest. Newest first alone buried a boot's hottest loop (a third of the boot's instructions) under the
/// requests made after it, so whether it ran compiled varied from boot to boot.
/// </summary>
/// <remarks>
/// The thread runs at a lowered priority (<see cref="BackgroundPriority"/>): compiling a region costs the .NET JIT
/// ~30-50 µs per guest instruction, and on a small host it competed with the vCPU and the block-device threads for the
/// same cores, while it only pays off later. It is not a thread-pool thread either, so the pool stays free for the
/// devices' work items. The thread starts with the first request and ends after <see cref="Linger"/> without one, so an
/// idle VM (and a disposed one) holds no thread.
/// </remarks>
internal sealed class JitCompileQueue
{
    /// <summary>How long the compile thread waits for another request before it ends.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(500);

    // Oldest first; guarded by _gate. At most one request per decoded page is pending, so the list stays short.
    private readonly List<CompileRequest> _requests = [];
    private readonly object _gate = new();
    private bool _draining;

    /// <summary>Compile threads started so far (one per burst of requests after an idle spell).</summary>
    public int ThreadsStarted { get; private set; }

    public void Enqueue(CompileRequest request)
    {
        bool start = false;
        lock (_gate)
        {
            _requests.Add(request);
            if (!_draining)
            {
                _draining = true;
                start = true;
                ThreadsStarted++;
            }
            else
            {
                // The compile thread may be lingering: wake it.
                Monitor.Pulse(_gate);
            }
        }

        if (start)
        {
            var thread = new Thread(static queue => ((JitCompileQueue)queue!).Drain()) { IsBackground = true, Name = "vireo jit" };
            thread.UnsafeStart(this);
        }
    }

    private void Drain()
    {
        BackgroundPriority.LowerCurrentThread();
        while (true)
        {
            CompileRequest? request;
            lock (_gate)
            {
                request = TakeHottest();
                if (request is null)
                {
                    Monitor.Wait(_gate, Linger);
                    request = TakeHottest();
                    if (request is null)
                    {
                        _draining = false;
                        return;
                    }
                }
            }

            request.Owner.CompileAndPost(request);
        }
    }

    /// <summary>Removes and returns the hottest request (see <see cref="HottestIndex"/>), or null; under _gate.</summary>
    private CompileRequest? TakeHottest()
    {
        int best = HottestIndex(_requests);
        if (best < 0)
        {
            return null;
        }

        CompileRequest request = _requests[best];
        _requests.RemoveAt(best);
        return request;
    }

    /// <summary>
    /// The index in <paramref name="requests"/> (oldest first) of the request whose page gained the most samples while
    /// waiting, the newest among equals; -1 when there is none.
    /// </summary>
    internal static int HottestIndex(List<CompileRequest> requests)
    {
        int best = -1;
        int bestHeat = -1;
        for (int i = requests.Count - 1; i >= 0; i--)
        {
            int heat = requests[i].Page.Jit?.PendingSamples ?? 0;
            if (heat > bestHeat)
            {
                best = i;
                bestHeat = heat;
            }
        }

        return best;
    }
}
