using Vireo.Core.Interrupts;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>An interrupt wire that remembers its level and counts rising edges.</summary>
internal sealed class TestInterruptLine : IInterruptLine
{
    private int _level;
    private int _raises;

    public bool Level => Volatile.Read(ref _level) != 0;

    public int Raises => Volatile.Read(ref _raises);

    public void Set(bool level)
    {
        int previous = Interlocked.Exchange(ref _level, level ? 1 : 0);
        if (level && previous == 0)
        {
            Interlocked.Increment(ref _raises);
        }
    }
}
