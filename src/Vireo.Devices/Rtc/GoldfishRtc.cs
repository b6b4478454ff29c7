using Vireo.Core.Bus;
using Vireo.Core.Interrupts;

namespace Vireo.Devices.Rtc;

/// <summary>
/// The Goldfish real-time clock ("google,goldfish-rtc") of QEMU's <c>virt</c> board: nanoseconds since the Unix epoch
/// from the host wall clock, plus one alarm that raises its interrupt line (PLIC source 11).
/// </summary>
/// <remarks>
/// Reading TIME_LOW latches the high word for the following TIME_HIGH read. Guest writes to the time registers move
/// an offset, never the host clock. The alarm uses a timer from the injected <see cref="TimeProvider"/>.
/// </remarks>
public sealed class GoldfishRtc : IMmioDevice, IDisposable
{
    /// <summary>Guest physical base address on the virt board.</summary>
    public const ulong DefaultBase = 0x0010_1000;

    /// <summary>Length of the register window.</summary>
    public const ulong WindowSize = 0x1000;

    /// <summary>PLIC source of the RTC on the virt board.</summary>
    public const int DefaultInterrupt = 11;

    private const ulong TimeLow = 0x00;
    private const ulong TimeHigh = 0x04;
    private const ulong AlarmLow = 0x08;
    private const ulong AlarmHigh = 0x0C;
    private const ulong IrqEnabled = 0x10;
    private const ulong ClearAlarm = 0x14;
    private const ulong AlarmStatus = 0x18;
    private const ulong ClearInterrupt = 0x1C;

    private readonly Lock _lock = new();
    private readonly IInterruptLine _interrupt;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private long _offsetNs;
    private uint _latchedHigh;
    private ulong _alarm;
    private bool _alarmRunning;
    private bool _irqEnabled;
    private bool _irqPending;
    private bool _disposed;

    /// <summary>Creates the RTC.</summary>
    /// <param name="interrupt">The wire to the interrupt controller (PLIC source 11 on the virt board).</param>
    /// <param name="time">The wall clock and timer source; <see cref="TimeProvider.System"/> when null.</param>
    public GoldfishRtc(IInterruptLine interrupt, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(interrupt);
        _interrupt = interrupt;
        _time = time ?? TimeProvider.System;
        _timer = _time.CreateTimer(static state => ((GoldfishRtc)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <inheritdoc/>
    public string Name => "rtc";

    /// <inheritdoc/>
    public ulong Size => WindowSize;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        lock (_lock)
        {
            switch (offset)
            {
                case TimeLow:
                    ulong now = Now();
                    _latchedHigh = (uint)(now >> 32);
                    return (uint)now;
                case TimeHigh:
                    return _latchedHigh;
                case AlarmLow:
                    return (uint)_alarm;
                case AlarmHigh:
                    return (uint)(_alarm >> 32);
                case IrqEnabled:
                    return _irqEnabled ? 1UL : 0;
                case AlarmStatus:
                    return _alarmRunning ? 1UL : 0;
                default:
                    return 0;
            }
        }
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        uint word = (uint)value;
        lock (_lock)
        {
            switch (offset)
            {
                case TimeLow:
                    SetTime((Now() & 0xFFFF_FFFF_0000_0000UL) | word);
                    break;
                case TimeHigh:
                    SetTime((Now() & 0xFFFF_FFFFUL) | ((ulong)word << 32));
                    break;
                case AlarmLow:
                    // Drivers write ALARM_HIGH first; the low word arms the alarm.
                    _alarm = (_alarm & 0xFFFF_FFFF_0000_0000UL) | word;
                    Arm();
                    break;
                case AlarmHigh:
                    _alarm = (_alarm & 0xFFFF_FFFFUL) | ((ulong)word << 32);
                    break;
                case IrqEnabled:
                    _irqEnabled = (word & 1) != 0;
                    break;
                case ClearAlarm:
                    _alarmRunning = false;
                    StopTimer();
                    break;
                case ClearInterrupt:
                    _irqPending = false;
                    break;
                default:
                    return;
            }

            UpdateInterrupt();
        }
    }

    /// <summary>Stops the alarm timer.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _alarmRunning = false;
        }

        _timer.Dispose();
    }

    private ulong Now()
    {
        long hostNs = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        return (ulong)(hostNs + _offsetNs);
    }

    private void SetTime(ulong ns)
    {
        _offsetNs += (long)(ns - Now());
        if (_alarmRunning)
        {
            Arm(); // the alarm is in guest time, which just moved
        }
    }

    private void Arm()
    {
        ulong now = Now();
        if (_alarm <= now)
        {
            Fire();
            return;
        }

        _alarmRunning = true;
        if (!_disposed)
        {
            ulong delta = _alarm - now;

            // Round up to whole 100 ns ticks so the timer never wakes early; cap far-future alarms (re-armed on wake).
            long ticks = (long)Math.Min((delta + 99) / 100, (ulong)TimeSpan.FromDays(30).Ticks);
            _timer.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        _alarmRunning = false;
        _irqPending = true;
        StopTimer();
    }

    private void StopTimer()
    {
        if (!_disposed)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_alarmRunning && !_disposed)
            {
                Arm(); // fires if due, otherwise re-arms for the remainder
                UpdateInterrupt();
            }
        }
    }

    private void UpdateInterrupt() => _interrupt.Set(_irqPending && _irqEnabled);
}
