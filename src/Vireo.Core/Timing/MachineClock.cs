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
    private volatile bool _paused;
    private ulong _pausedTicks;

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
        get => _paused ? _pausedTicks : _originTicks + HostToTicks(_time.GetTimestamp() - Volatile.Read(ref _originTimestamp));
    }

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused => _paused;

    /// <summary>Sets the current guest time (guest writes to mtime, snapshot restore).</summary>
    public void Set(ulong ticks)
    {
        if (_paused)
        {
            _pausedTicks = ticks;
            return;
        }

        _originTicks = ticks;
        Volatile.Write(ref _originTimestamp, _time.GetTimestamp());
    }

    /// <summary>
    /// Stops guest time (a VM pause): <see cref="Now"/> reads the same value until <see cref="Resume"/>, which continues
    /// from it. The guest therefore sees no jump across a pause — its timers neither fire early nor pile up — as QEMU's
    /// virtual clock stops with the VM; its wall clock (RTC, NTP) is behind by the pause afterwards, as after a
    /// suspend. Call it once the harts are parked.
    /// </summary>
    public void Pause()
    {
        if (_paused)
        {
            return;
        }

        _pausedTicks = Now;
        _paused = true;
    }

    /// <summary>Lets guest time run again from where <see cref="Pause"/> stopped it.</summary>
    public void Resume()
    {
        if (!_paused)
        {
            return;
        }

        _originTicks = _pausedTicks;
        Volatile.Write(ref _originTimestamp, _time.GetTimestamp());
        _paused = false;
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
