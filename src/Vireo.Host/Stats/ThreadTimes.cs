using System.Globalization;

namespace Vireo.Host.Stats;

/// <summary>A host thread's CPU and run-queue wait time, from <c>/proc/self/task/TID/schedstat</c> (nanoseconds).</summary>
internal static class ThreadTimes
{
    public static (TimeSpan Run, TimeSpan Wait) Read(int threadId)
    {
        if (threadId == 0)
        {
            return (TimeSpan.Zero, TimeSpan.Zero);
        }

        try
        {
            string text = File.ReadAllText($"/proc/self/task/{threadId.ToString(CultureInfo.InvariantCulture)}/schedstat");
            string[] fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long run = long.Parse(fields[0], CultureInfo.InvariantCulture);
            long wait = long.Parse(fields[1], CultureInfo.InvariantCulture);
            return (TimeSpan.FromTicks(run / 100), TimeSpan.FromTicks(wait / 100));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // The thread ended between the id read and this read, or there is no /proc.
            return (TimeSpan.Zero, TimeSpan.Zero);
        }
    }
}
