using System.Runtime.CompilerServices;

namespace Vireo.Core.Timing;

/// <summary>
/// The VM's timebase: <c>mtime</c>/<c>time</c> counting at <see cref="Frequency"/> (10 MHz, as QEMU's virt board)
/// from the host monotonic clock. Time is injected through <see cref="TimeProvider"/> so tests are deterministic.
/// </summary>
public sealed class MachineClock
{
    /// <summary>Ticks per second of the guest timebase.</summary>
    public const ulong Frequency = 10_000_000;

    private readonly TimeProvider _time;
    private readonly long _hostFrequency;
    private long _originTimestamp;
    private ulong _originTicks;
    private ulong _frozenTicks;
    private volatile bool _frozen;

    /// <summary>Creates a clock that reads zero now.</summary>
    public MachineClock(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _hostFrequency = _time.TimestampFrequency;
        _originTimestamp = _time.GetTimestamp();
    }

    /// <summary>Current guest time in ticks.</summary>
    public ulong Now
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _frozen ? _frozenTicks : _originTicks + HostToTicks(_time.GetTimestamp() - Volatile.Read(ref _originTimestamp));
    }

    /// <summary>True between <see cref="Freeze"/> and <see cref="Thaw"/>.</summary>
    public bool IsFrozen => _frozen;

    /// <summary>
    /// Stops guest time (VM pause): <see cref="Now"/> keeps returning the current value until <see cref="Thaw"/>, so
    /// the guest's timebase does not jump across a pause, as a suspended host's monotonic clock does not.
    /// </summary>
    public void Freeze()
    {
        if (_frozen)
        {
            return;
        }

        _frozenTicks = Now;
        _frozen = true;
    }

    /// <summary>Lets guest time run again from the value it was frozen at.</summary>
    public void Thaw()
    {
        if (!_frozen)
        {
            return;
        }

        Set(_frozenTicks);
        _frozen = false;
    }

    /// <summary>Sets the current guest time (guest writes to mtime, snapshot restore).</summary>
    public void Set(ulong ticks)
    {
        _frozenTicks = ticks;
        _originTicks = ticks;
        Volatile.Write(ref _originTimestamp, _time.GetTimestamp());
    }

    /// <summary>Host time span until the guest clock reaches <paramref name="ticks"/> (zero if already past).</summary>
    public TimeSpan Until(ulong ticks)
    {
        ulong now = Now;
        if (ticks <= now)
        {
            return TimeSpan.Zero;
        }

        ulong delta = ticks - now;
        const ulong MaxTicks = (ulong)int.MaxValue * (Frequency / 1000);
        return delta >= MaxTicks ? TimeSpan.FromMilliseconds(int.MaxValue) : TimeSpan.FromTicks((long)(delta * (ulong)TimeSpan.TicksPerSecond / Frequency));
    }

    private ulong HostToTicks(long elapsed)
    {
        // 128-bit intermediate so the product cannot overflow however long the VM runs.
        return (ulong)(((UInt128)(ulong)elapsed * Frequency) / (ulong)_hostFrequency);
    }
}
