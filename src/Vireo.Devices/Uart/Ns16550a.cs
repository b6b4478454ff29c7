using Vireo.Core.Bus;
using Vireo.Core.Interrupts;

namespace Vireo.Devices.Uart;

/// <summary>
/// The NS16550A UART of QEMU's <c>virt</c> board (reg-shift 0, reg-io-width 1): RBR/THR, IER, IIR/FCR, LCR, MCR, LSR,
/// MSR, SCR and the DLAB divisor latch, 16-byte FIFOs, RX-data, RX-timeout, THRE and line-status interrupts, loopback.
/// </summary>
/// <remarks>
/// Transmission is instant: a THR write goes straight to the host sink, so THR and the transmitter always read empty.
/// Host input waits in a bounded queue and moves into the 16-byte RX FIFO as the guest reads, so fast input is
/// never dropped. The "character timeout" (data below the FIFO trigger level and no more arriving) is reported as
/// soon as the host has nothing more queued: the host delivers input instantly, so the line is idle at that point.
/// </remarks>
public sealed class Ns16550a : IMmioDevice
{
    /// <summary>Guest physical base address on the virt board.</summary>
    public const ulong DefaultBase = 0x1000_0000;

    /// <summary>Length of the register window.</summary>
    public const ulong WindowSize = 0x100;

    /// <summary>PLIC source of the UART on the virt board.</summary>
    public const int DefaultInterrupt = 10;

    /// <summary>Input clock in Hz advertised in the device tree (as QEMU: 3.6864 MHz).</summary>
    public const uint ClockFrequency = 3_686_400;

    /// <summary>Depth of the receive and transmit FIFOs.</summary>
    public const int FifoDepth = 16;

    private const byte IerRxData = 0x01;
    private const byte IerThre = 0x02;
    private const byte IerLineStatus = 0x04;
    private const byte IerMask = 0x0F;

    private const byte IirNone = 0x01;
    private const byte IirLineStatus = 0x06;
    private const byte IirRxData = 0x04;
    private const byte IirRxTimeout = 0x0C;
    private const byte IirThre = 0x02;
    private const byte IirFifoEnabled = 0xC0;

    private const byte FcrEnable = 0x01;
    private const byte FcrClearRx = 0x02;

    private const byte LcrDlab = 0x80;
    private const byte McrLoop = 0x10;
    private const byte McrMask = 0x1F;

    private const byte LsrDataReady = 0x01;
    private const byte LsrOverrun = 0x02;
    private const byte LsrThre = 0x20;
    private const byte LsrTemt = 0x40;

    private const byte MsrCts = 0x10;
    private const byte MsrDsr = 0x20;
    private const byte MsrRi = 0x40;
    private const byte MsrDcd = 0x80;

    private readonly Lock _lock = new();
    private readonly object _inputWait = new();
    private readonly IInterruptLine _interrupt;
    private readonly Action<byte> _output;
    private readonly byte[] _rx = new byte[FifoDepth];
    private readonly byte[] _host;

    private int _rxHead;
    private int _rxCount;
    private int _hostHead;
    private int _hostCount;
    private byte _ier;
    private byte _lcr;
    private byte _mcr;
    private byte _scr;
    private byte _dll;
    private byte _dlm;
    private bool _fifoEnabled;
    private int _triggerLevel;
    private byte _lineErrors;
    private bool _thrInterruptPending;

    /// <summary>Creates the UART.</summary>
    /// <param name="interrupt">The wire to the interrupt controller (PLIC source 10 on the virt board).</param>
    /// <param name="output">
    /// Receives every byte the guest transmits, in order, on the writing hart's thread and under the device lock
    /// (so output from several harts never interleaves within a byte stream). Buffer it; don't block for long.
    /// </param>
    /// <param name="inputCapacity">Size of the host-side input queue that feeds the RX FIFO.</param>
    public Ns16550a(IInterruptLine interrupt, Action<byte> output, int inputCapacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(interrupt);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputCapacity, 1);
        _interrupt = interrupt;
        _output = output;
        _host = new byte[inputCapacity];
        Reset();
    }

    /// <inheritdoc/>
    public string Name => "uart";

    /// <inheritdoc/>
    public ulong Size => WindowSize;

    /// <summary>Free space in the host input queue, in bytes.</summary>
    public int InputSpace
    {
        get
        {
            lock (_lock)
            {
                return _host.Length - _hostCount;
            }
        }
    }

    /// <summary>Returns every register to its power-on value and drops pending input (machine reset).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _rxHead = _rxCount = 0;
            _hostHead = _hostCount = 0;
            _ier = _mcr = _scr = _dlm = _lineErrors = 0;
            _lcr = 0x03; // 8N1
            _dll = 0x0C;
            _fifoEnabled = false;
            _triggerLevel = 1;
            _thrInterruptPending = false;
            UpdateInterrupt();
        }

        WakeInputWriters();
    }

    /// <summary>
    /// Takes the next received byte as firmware polling LSR.DR and RBR would (the SBI console's getchar does this on
    /// QEMU with OpenSBI): -1 when nothing is waiting. The byte is gone for the guest's own UART driver.
    /// </summary>
    public int TryReadReceived()
    {
        bool freed;
        int value;
        lock (_lock)
        {
            if (_rxCount == 0 && !Refill())
            {
                return -1;
            }

            value = PopRx(out freed);
            UpdateInterrupt();
        }

        if (freed)
        {
            WakeInputWriters();
        }

        return value;
    }

    /// <summary>Queues one byte of host input (keyboard). False when the queue is full (try again later).</summary>
    public bool TryEnqueueInput(byte value) => EnqueueInput([value]) == 1;

    /// <summary>Queues as much of <paramref name="data"/> as fits; returns how many bytes were accepted.</summary>
    public int EnqueueInput(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            int accepted = 0;
            while (accepted < data.Length && _hostCount < _host.Length)
            {
                _host[(_hostHead + _hostCount) % _host.Length] = data[accepted++];
                Volatile.Write(ref _hostCount, _hostCount + 1);

                // Move into the FIFO as we go, so FIFO space counts as room too.
                Refill();
            }

            if (accepted > 0)
            {
                UpdateInterrupt();
            }

            return accepted;
        }
    }

    /// <summary>
    /// Queues all of <paramref name="data"/>, waiting while the queue is full (the guest reads slowly or not at all).
    /// Meant for the host's stdin thread.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled while waiting.</exception>
    public void WriteInput(ReadOnlySpan<byte> data, CancellationToken cancellation = default)
    {
        while (!data.IsEmpty)
        {
            int accepted = EnqueueInput(data);
            data = data[accepted..];
            if (data.IsEmpty)
            {
                return;
            }

            lock (_inputWait)
            {
                // Short timed waits keep cancellation responsive without registering callbacks.
                while (Volatile.Read(ref _hostCount) == _host.Length)
                {
                    cancellation.ThrowIfCancellationRequested();
                    Monitor.Wait(_inputWait, 50);
                }
            }
        }
    }

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        bool freed = false;
        byte value;
        lock (_lock)
        {
            switch (offset)
            {
                case 0:
                    if ((_lcr & LcrDlab) != 0)
                    {
                        value = _dll;
                    }
                    else
                    {
                        value = PopRx(out freed);
                    }

                    break;
                case 1:
                    value = (_lcr & LcrDlab) != 0 ? _dlm : _ier;
                    break;
                case 2:
                    value = ComputeIir();
                    if ((value & 0x0F) == IirThre)
                    {
                        // Reading IIR while THRE is the reported source acknowledges it.
                        _thrInterruptPending = false;
                    }

                    break;
                case 3:
                    value = _lcr;
                    break;
                case 4:
                    value = _mcr;
                    break;
                case 5:
                    value = ComputeLsr();
                    _lineErrors = 0;
                    break;
                case 6:
                    value = ComputeMsr();
                    break;
                case 7:
                    value = _scr;
                    break;
                default:
                    return 0;
            }

            UpdateInterrupt();
        }

        if (freed)
        {
            WakeInputWriters();
        }

        return value;
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        byte b = (byte)value;
        lock (_lock)
        {
            switch (offset)
            {
                case 0:
                    if ((_lcr & LcrDlab) != 0)
                    {
                        _dll = b;
                    }
                    else
                    {
                        Transmit(b);
                    }

                    break;
                case 1:
                    if ((_lcr & LcrDlab) != 0)
                    {
                        _dlm = b;
                    }
                    else
                    {
                        WriteIer(b);
                    }

                    break;
                case 2:
                    WriteFcr(b);
                    break;
                case 3:
                    _lcr = b;
                    break;
                case 4:
                    bool wasLoop = (_mcr & McrLoop) != 0;
                    _mcr = (byte)(b & McrMask);
                    if (wasLoop && (_mcr & McrLoop) == 0)
                    {
                        Refill(); // host input flows again once loopback ends
                    }

                    break;
                case 7:
                    _scr = b;
                    break;
                default:
                    return; // LSR and MSR are read-only
            }

            UpdateInterrupt();
        }
    }

    private void Transmit(byte b)
    {
        if ((_mcr & McrLoop) != 0)
        {
            PushRx(b);
        }
        else
        {
            _output(b);
        }

        // The byte left at once: THR is empty again, which is an interrupt source if enabled.
        _thrInterruptPending = true;
    }

    private void WriteIer(byte b)
    {
        byte old = _ier;
        _ier = (byte)(b & IerMask);
        if ((_ier & IerThre) == 0)
        {
            _thrInterruptPending = false;
        }
        else if ((old & IerThre) == 0)
        {
            // Enabling ETBEI while THR is empty (always, here) raises THRE at once: drivers rely on this to start TX.
            _thrInterruptPending = true;
        }
    }

    private void WriteFcr(byte b)
    {
        bool enable = (b & FcrEnable) != 0;
        if (enable != _fifoEnabled)
        {
            // Switching FIFO mode empties the FIFOs, as on the real part.
            _rxHead = _rxCount = 0;
            _fifoEnabled = enable;
        }

        if ((b & FcrClearRx) != 0)
        {
            _rxHead = _rxCount = 0;
        }

        _triggerLevel = (b >> 6) switch
        {
            0 => 1,
            1 => 4,
            2 => 8,
            _ => 14,
        };
        Refill();
    }

    private int RxCapacity => _fifoEnabled ? FifoDepth : 1;

    private void PushRx(byte b)
    {
        if (_rxCount >= RxCapacity)
        {
            _lineErrors |= LsrOverrun;
            return;
        }

        _rx[(_rxHead + _rxCount) % FifoDepth] = b;
        _rxCount++;
    }

    private byte PopRx(out bool freed)
    {
        freed = false;
        if (_rxCount == 0)
        {
            return 0;
        }

        byte b = _rx[_rxHead];
        _rxHead = (_rxHead + 1) % FifoDepth;
        _rxCount--;
        freed = Refill();
        return b;
    }

    /// <summary>Moves host input into the RX FIFO while both allow; true if any byte moved.</summary>
    private bool Refill()
    {
        if ((_mcr & McrLoop) != 0)
        {
            return false; // loopback disconnects the serial input
        }

        bool moved = false;
        while (_hostCount > 0 && _rxCount < RxCapacity)
        {
            _rx[(_rxHead + _rxCount) % FifoDepth] = _host[_hostHead];
            _rxCount++;
            _hostHead = (_hostHead + 1) % _host.Length;
            Volatile.Write(ref _hostCount, _hostCount - 1);
            moved = true;
        }

        return moved;
    }

    private byte ComputeLsr()
    {
        byte lsr = (byte)(LsrThre | LsrTemt | _lineErrors);
        return _rxCount > 0 ? (byte)(lsr | LsrDataReady) : lsr;
    }

    private byte ComputeMsr()
    {
        if ((_mcr & McrLoop) == 0)
        {
            return MsrDcd | MsrDsr | MsrCts; // a host connection is always "present", as QEMU reports
        }

        // Loopback wires DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD.
        int msr = ((_mcr & 0x01) != 0 ? MsrDsr : 0)
            | ((_mcr & 0x02) != 0 ? MsrCts : 0)
            | ((_mcr & 0x04) != 0 ? MsrRi : 0)
            | ((_mcr & 0x08) != 0 ? MsrDcd : 0);
        return (byte)msr;
    }

    private byte ComputeIir()
    {
        byte id;
        if ((_ier & IerLineStatus) != 0 && _lineErrors != 0)
        {
            id = IirLineStatus;
        }
        else if ((_ier & IerRxData) != 0 && _rxCount > 0)
        {
            id = !_fifoEnabled || _rxCount >= _triggerLevel || _hostCount > 0 ? IirRxData : IirRxTimeout;
        }
        else if ((_ier & IerThre) != 0 && _thrInterruptPending)
        {
            id = IirThre;
        }
        else
        {
            id = IirNone;
        }

        return _fifoEnabled ? (byte)(id | IirFifoEnabled) : id;
    }

    private void UpdateInterrupt() => _interrupt.Set((ComputeIir() & IirNone) == 0);

    private void WakeInputWriters()
    {
        lock (_inputWait)
        {
            Monitor.PulseAll(_inputWait);
        }
    }
}
