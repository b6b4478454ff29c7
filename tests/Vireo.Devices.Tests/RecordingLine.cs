using Vireo.Core.Interrupts;

namespace Vireo.Devices.Tests;

/// <summary>A test double for an interrupt wire: remembers the current level and counts rising edges.</summary>
internal sealed class RecordingLine : IInterruptLine
{
    private int _level;
    private int _risingEdges;

    public bool Level => Volatile.Read(ref _level) != 0;

    public int RisingEdges => Volatile.Read(ref _risingEdges);

    public void Set(bool level)
    {
        int old = Interlocked.Exchange(ref _level, level ? 1 : 0);
        if (level && old == 0)
        {
            Interlocked.Increment(ref _risingEdges);
        }
    }
}
