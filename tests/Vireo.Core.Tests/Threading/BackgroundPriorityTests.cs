using Vireo.Core.Threading;

namespace Vireo.Core.Tests.Threading;

public sealed class BackgroundPriorityTests
{
    [Fact]
    public void Lowers_only_the_calling_thread()
    {
        int before = BackgroundPriority.CurrentThreadNice();
        bool lowered = false;
        int inside = int.MinValue;
        var thread = new Thread(() =>
        {
            lowered = BackgroundPriority.LowerCurrentThread();
            inside = BackgroundPriority.CurrentThreadNice();
        });
        thread.Start();
        thread.Join();

        Assert.True(lowered, "setpriority on the thread failed");
        Assert.Equal(BackgroundPriority.Nice, inside);

        // The process and the test's own thread keep their priority.
        Assert.Equal(before, BackgroundPriority.CurrentThreadNice());
    }
}
