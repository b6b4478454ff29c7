using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;

namespace Vireo.Cpu.Tests.Jit;

/// <summary>The compile queue's order: the request whose page stayed hottest while it waited, the newest among equals.</summary>
public sealed class JitCompileQueueTests
{
    [Fact]
    public void The_hottest_waiting_request_goes_first_and_the_newest_among_equals()
    {
        // Oldest first, as the queue holds them: a page that stopped running, then two that ran on while they waited.
        List<CompileRequest> requests = [Request(samples: 0), Request(samples: 5), Request(samples: 5), Request(samples: 1)];

        Assert.Equal(2, JitCompileQueue.HottestIndex(requests));
        requests.RemoveAt(2);
        Assert.Equal(1, JitCompileQueue.HottestIndex(requests));
        requests.RemoveAt(1);
        Assert.Equal(1, JitCompileQueue.HottestIndex(requests));
        requests.RemoveAt(1);
        Assert.Equal(0, JitCompileQueue.HottestIndex(requests));
        requests.RemoveAt(0);
        Assert.Equal(-1, JitCompileQueue.HottestIndex(requests));
    }

    [Fact]
    public void A_new_request_starts_its_pages_count_again()
    {
        var state = new JitPageState();
        state.CountPendingSample();
        state.CountPendingSample();
        Assert.Equal(2, state.PendingSamples);
        state.ResetPendingSamples();
        Assert.Equal(0, state.PendingSamples);
    }

    private static CompileRequest Request(int samples)
    {
        var page = new DecodedPage { Jit = new JitPageState() };
        for (int i = 0; i < samples; i++)
        {
            page.Jit.CountPendingSample();
        }

        return new CompileRequest(null!, page, 0, 0, 0, [], [], null);
    }
}
