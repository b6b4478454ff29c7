using BenchmarkDotNet.Attributes;
using Vireo.Core.Interrupts;
using Vireo.Core.Timing;
using Vireo.Devices.Uart;
using Vireo.Machine.Devices;

namespace Vireo.Benchmarks.Board;

/// <summary>Cost of the board device register accesses a guest makes most often (console output, timer, interrupts).</summary>
[MemoryDiagnoser]
public class BoardDeviceBenchmarks
{
    private Ns16550a _uart = null!;
    private Clint _clint = null!;
    private Plic _plic = null!;
    private IInterruptLine _line = null!;

    [GlobalSetup]
    public void Setup()
    {
        var harts = new IHartInterruptPins[] { new NullPins() };
        _plic = new Plic(harts);
        _line = _plic.GetLine(10);
        _uart = new Ns16550a(_plic.GetLine(11), static _ => { });
        _clint = new Clint(harts, new MachineClock());
        _plic.Write(4 * 10, 4, 1);
        _plic.Write(0x2000 + 0x80, 4, 1 << 10);
    }

    /// <summary>The earlycon/console loop: poll LSR, then write THR.</summary>
    [Benchmark]
    public void UartPutChar()
    {
        if ((_uart.Read(5, 1) & 0x20) != 0)
        {
            _uart.Write(0, 1, (byte)'x');
        }
    }

    /// <summary>A 64-bit mtime read.</summary>
    [Benchmark]
    public ulong ClintReadMtime() => _clint.Read(0xBFF8, 8);

    /// <summary>A full interrupt round trip: line high, S-context claim, device acknowledges, complete.</summary>
    [Benchmark]
    public ulong PlicRaiseClaimComplete()
    {
        _line.Set(true);
        ulong source = _plic.Read(0x20_1004, 4);
        _line.Set(false);
        _plic.Write(0x20_1004, 4, source);
        return source;
    }

    private sealed class NullPins : IHartInterruptPins
    {
        public int HartId => 0;

        public ulong TimerCompare { get; set; }

        public void SetPending(ulong mipMask, bool level)
        {
        }
    }
}
