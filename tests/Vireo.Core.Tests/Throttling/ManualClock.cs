namespace Vireo.Core.Tests.Throttling;

/// <summary>A clock moved by hand (1 µs ticks) whose timers fire, on the caller's thread, when <see cref="Advance"/> passes them.</summary>
internal sealed class ManualClock : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private long _ticks = 1_000_000;

    public override long TimestampFrequency => 1_000_000;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock in steps of at most 1 ms, firing due timers at each step.</summary>
    public void Advance(TimeSpan by)
    {
        long end = GetTimestamp() + (long)(by.TotalSeconds * TimestampFrequency);
        while (GetTimestamp() < end)
        {
            Interlocked.Exchange(ref _ticks, Math.Min(end, GetTimestamp() + 1000));
            ManualTimer[] timers;
            lock (_timers)
            {
                timers = [.. _timers];
            }

            foreach (ManualTimer timer in timers)
            {
                timer.FireIfDue(GetTimestamp());
            }
        }
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _due = long.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Exchange(ref _due, dueTime == Timeout.InfiniteTimeSpan
                ? long.MaxValue
                : clock.GetTimestamp() + (long)(dueTime.TotalSeconds * clock.TimestampFrequency));
            return true;
        }

        public void FireIfDue(long now)
        {
            long due = Interlocked.Read(ref _due);
            if (due <= now && Interlocked.CompareExchange(ref _due, long.MaxValue, due) == due)
            {
                callback(state);
            }
        }

        public void Dispose()
        {
            lock (clock._timers)
            {
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
