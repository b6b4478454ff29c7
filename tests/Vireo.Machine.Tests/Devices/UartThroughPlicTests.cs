using Vireo.Core.Interrupts;
using Vireo.Devices.Uart;
using Vireo.Machine.Devices;

namespace Vireo.Machine.Tests.Devices;

/// <summary>The UART wired to PLIC source 10 as on the virt board: keyboard input reaches the hart as SEIP.</summary>
public sealed class UartThroughPlicTests
{
    private const ulong SContextClaim = 0x20_1004; // context 1 = hart 0 S-mode

    [Fact]
    public void ReceivedInputRaisesSeipUntilTheDriverDrainsTheFifoAndCompletes()
    {
        RecordingHartPins[] harts = RecordingHartPins.Create(1);
        var plic = new Plic(harts);
        var uart = new Ns16550a(plic.GetLine(Ns16550a.DefaultInterrupt), static _ => { });
        plic.Write(4 * 10, 4, 1);
        plic.Write(0x2000 + 0x80, 4, 1 << 10);
        uart.Write(2, 1, 0x01); // FIFO on
        uart.Write(1, 1, 0x01); // RX interrupt on

        uart.EnqueueInput("ls\n"u8);
        Assert.True(harts[0].IsPending(MipBits.Seip));

        // What Linux's handler does: claim, read IIR, drain while LSR.DR, complete.
        Assert.Equal(10UL, plic.Read(SContextClaim, 4));
        Assert.Equal(0xC4UL, uart.Read(2, 1)); // RX data: 3 bytes reach the 1-byte trigger
        var received = new List<byte>();
        while ((uart.Read(5, 1) & 0x01) != 0)
        {
            received.Add((byte)uart.Read(0, 1));
        }

        plic.Write(SContextClaim, 4, 10);
        Assert.Equal("ls\n"u8.ToArray(), received);
        Assert.False(harts[0].IsPending(MipBits.Seip));

        // Input that arrives while the source is claimed is delivered after completion (level re-trigger).
        Assert.Equal(0UL, plic.Read(SContextClaim, 4));
        uart.EnqueueInput("x"u8);
        Assert.Equal(10UL, plic.Read(SContextClaim, 4));
        Assert.False(harts[0].IsPending(MipBits.Seip));
        plic.Write(SContextClaim, 4, 10);
        Assert.True(harts[0].IsPending(MipBits.Seip)); // the UART still holds 'x'
        Assert.Equal((ulong)'x', uart.Read(0, 1));
        Assert.False(harts[0].IsPending(MipBits.Seip));
    }
}
