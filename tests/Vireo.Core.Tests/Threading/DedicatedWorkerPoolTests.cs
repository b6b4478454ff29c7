using Vireo.Core.Threading;

namespace Vireo.Core.Tests.Threading;

public sealed class DedicatedWorkerPoolTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void Items_run_at_once_on_the_pools_own_threads_up_to_its_limit()
    {
        using var pool = new DedicatedWorkerPool("test io", maxThreads: 2);
        using var release = new ManualResetEventSlim(false);
        using var started = new CountdownEvent(2);
        var first = new Item(started, release);
        var second = new Item(started, release);
        var third = new Item(null, release);
        pool.Queue(first);
        pool.Queue(second);
        pool.Queue(third);

        // Two items run side by side (each waits for the other to start); the third waits for a free thread.
        Assert.True(started.Wait(s_timeout), "the first two items did not run at the same time");
        Assert.False(third.Done.Wait(100));
        Assert.Equal(2, pool.ThreadsStarted);
        Assert.Equal("test io", first.ThreadName);
        Assert.NotEqual(first.ThreadId, second.ThreadId);

        release.Set();
        Assert.True(third.Done.Wait(s_timeout));
        Assert.Contains(third.ThreadId, new[] { first.ThreadId, second.ThreadId });
    }

    [Fact]
    public void An_idle_thread_takes_the_next_item_and_ends_after_lingering()
    {
        using var pool = new DedicatedWorkerPool("test io", maxThreads: 4, linger: TimeSpan.FromMilliseconds(300));
        var first = Item.Quick();
        pool.Queue(first);
        Assert.True(first.Done.Wait(s_timeout));

        // Still within the linger time: the same thread wakes for the next item instead of a new one starting.
        Thread.Sleep(50);
        var second = Item.Quick();
        pool.Queue(second);
        Assert.True(second.Done.Wait(s_timeout));
        Assert.Equal(1, pool.ThreadsStarted);
        Assert.Equal(first.ThreadId, second.ThreadId);

        // Past it, the thread has ended; the next item starts a new one.
        WaitUntil(() => pool.ThreadCount == 0);
        var third = Item.Quick();
        pool.Queue(third);
        Assert.True(third.Done.Wait(s_timeout));
        Assert.Equal(2, pool.ThreadsStarted);
    }

    [Fact]
    public void Dispose_lets_queued_items_finish_ends_the_threads_and_refuses_new_items()
    {
        var pool = new DedicatedWorkerPool("test io", maxThreads: 1);
        using var release = new ManualResetEventSlim(false);
        var blocked = new Item(null, release);
        var queued = Item.Quick();
        pool.Queue(blocked);
        pool.Queue(queued);
        pool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pool.Queue(Item.Quick()));
        release.Set();
        Assert.True(queued.Done.Wait(s_timeout), "an item queued before Dispose did not run");
        WaitUntil(() => pool.ThreadCount == 0);
    }

    private static void WaitUntil(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            Thread.Sleep(10);
        }
    }

    /// <summary>Records where it ran; signals <c>started</c>, then waits for <c>release</c> (when given) before it is done.</summary>
    private sealed class Item(CountdownEvent? started, ManualResetEventSlim? release) : IThreadPoolWorkItem
    {
        public ManualResetEventSlim Done { get; } = new(false);

        public int ThreadId { get; private set; }

        public string? ThreadName { get; private set; }

        public static Item Quick() => new(null, null);

        public void Execute()
        {
            ThreadId = Environment.CurrentManagedThreadId;
            ThreadName = Thread.CurrentThread.Name;
            started?.Signal();
            started?.Wait(s_timeout);
            release?.Wait(s_timeout);
            Done.Set();
        }
    }
}
