namespace Vireo.Storage.Qcow2;

/// <summary>
/// Guest ranges whose clusters are allocated but whose data is still being written without the lock (see
/// <see cref="TryWriteFreshClusters"/>): their L2 entries are not set yet, so anything else that would change their
/// mapping waits for them.
/// </summary>
public sealed partial class Qcow2Image
{
    private readonly List<(ulong Start, ulong End)> _freshInFlight = [];
    private readonly object _freshGate = new();

    /// <summary>Counts finished in-flight ranges; a waiter sleeps until it changes (guarded by <see cref="_freshGate"/>).</summary>
    private long _freshGeneration;

    /// <summary>
    /// Takes the exclusive lock once no in-flight fresh write overlaps <paramref name="offset"/> (length
    /// <paramref name="length"/>). Only code holding the exclusive lock adds ranges, so none can appear while it is held.
    /// </summary>
    private void EnterWriteLockClearOf(ulong offset, ulong length)
    {
        while (true)
        {
            _lock.EnterWriteLock();
            long generation;
            lock (_freshGate)
            {
                if (!OverlapsFreshInFlight(offset, length))
                {
                    return;
                }

                generation = _freshGeneration;
            }

            _lock.ExitWriteLock();
            lock (_freshGate)
            {
                while (_freshGeneration == generation)
                {
                    Monitor.Wait(_freshGate);
                }
            }
        }
    }

    /// <summary>Registers a range whose data is about to be written outside the lock (exclusive lock held).</summary>
    private void AddFreshInFlight(ulong offset, ulong length)
    {
        lock (_freshGate)
        {
            _freshInFlight.Add((offset, offset + length));
        }
    }

    /// <summary>Ends an in-flight range and wakes whoever waits for one.</summary>
    private void RemoveFreshInFlight(ulong offset)
    {
        lock (_freshGate)
        {
            for (int i = 0; i < _freshInFlight.Count; i++)
            {
                if (_freshInFlight[i].Start == offset)
                {
                    _freshInFlight.RemoveAt(i);
                    break;
                }
            }

            _freshGeneration++;
            Monitor.PulseAll(_freshGate);
        }
    }

    private bool OverlapsFreshInFlight(ulong offset, ulong length)
    {
        ulong end = offset + length;
        foreach ((ulong start, ulong stop) in _freshInFlight)
        {
            if (offset < stop && start < end)
            {
                return true;
            }
        }

        return false;
    }
}
