using Vireo.Devices.Uart;

namespace Vireo.Devices.Tests.Uart;

public sealed class Ns16550aTests
{
    private const ulong Rbr = 0;
    private const ulong Thr = 0;
    private const ulong Ier = 1;
    private const ulong Iir = 2;
    private const ulong Fcr = 2;
    private const ulong Lcr = 3;
    private const ulong Mcr = 4;
    private const ulong Lsr = 5;
    private const ulong Msr = 6;
    private const ulong Scr = 7;

    private readonly RecordingLine _line = new();
    private readonly List<byte> _output = [];
    private readonly Ns16550a _uart;

    public Ns16550aTests()
    {
        _uart = new Ns16550a(_line, _output.Add, inputCapacity: 64);
    }

    private byte Read(ulong register) => (byte)_uart.Read(register, 1);

    private void Write(ulong register, byte value) => _uart.Write(register, 1, value);

    [Fact]
    public void TransmittedBytesReachTheHostAndThrIsAlwaysEmpty()
    {
        foreach (byte b in "hi\n"u8)
        {
            Assert.Equal(0x60, Read(Lsr) & 0x60);
            Write(Thr, b);
        }

        Assert.Equal("hi\n"u8.ToArray(), _output);
        Assert.Equal(0x60, Read(Lsr));
        Assert.False(_line.Level);
    }

    [Fact]
    public void ResetValuesMatchAFreshPart()
    {
        Assert.Equal(0x01, Read(Iir));
        Assert.Equal(0x03, Read(Lcr));
        Assert.Equal(0x00, Read(Ier));
        Assert.Equal(0xB0, Read(Msr)); // CTS, DSR, DCD
    }

    [Fact]
    public void DlabSwitchesOffsetsZeroAndOneToTheDivisorLatch()
    {
        Write(Ier, 0x01);
        Write(Lcr, 0x83);
        Write(0, 0x01);
        Write(1, 0x02);
        Assert.Equal(0x01, Read(0));
        Assert.Equal(0x02, Read(1));
        Assert.Empty(_output); // the divisor write did not transmit

        Write(Lcr, 0x03);
        Assert.Equal(0x01, Read(Ier));
        Write(Thr, (byte)'x');
        Assert.Equal([(byte)'x'], _output);
        Write(Lcr, 0x83);
        Assert.Equal(0x01, Read(0)); // the divisor survived
    }

    [Fact]
    public void ScratchRegisterHoldsItsValue()
    {
        Write(Scr, 0xA5);
        Assert.Equal(0xA5, Read(Scr));
    }

    [Fact]
    public void InputWithoutFifoIsHeldOneByteAtATimeAndNothingIsLost()
    {
        Assert.Equal(3, _uart.EnqueueInput("abc"u8));
        Assert.Equal(0x61, Read(Lsr)); // data ready
        Assert.Equal((byte)'a', Read(Rbr));
        Assert.Equal((byte)'b', Read(Rbr));
        Assert.Equal((byte)'c', Read(Rbr));
        Assert.Equal(0x60, Read(Lsr));
        Assert.Equal(0, Read(Rbr));
    }

    [Fact]
    public void RxInterruptFollowsDataAvailableAndIer()
    {
        _uart.EnqueueInput("k"u8);
        Assert.False(_line.Level); // not enabled yet
        Write(Ier, 0x01);
        Assert.True(_line.Level);
        Assert.Equal(0x04, Read(Iir));
        Assert.Equal((byte)'k', Read(Rbr));
        Assert.False(_line.Level);
        Assert.Equal(0x01, Read(Iir));
    }

    [Fact]
    public void FifoTriggerLevelSeparatesDataAvailableFromTimeout()
    {
        Write(Fcr, 0x87); // enable, clear both, trigger 8
        Write(Ier, 0x01);
        _uart.EnqueueInput("1234"u8);
        Assert.True(_line.Level);
        Assert.Equal(0xCC, Read(Iir)); // FIFO on, character timeout: below the trigger and nothing more coming

        _uart.EnqueueInput("5678"u8);
        Assert.Equal(0xC4, Read(Iir)); // 8 bytes: trigger reached

        var received = new List<byte>();
        while ((Read(Lsr) & 0x01) != 0)
        {
            received.Add(Read(Rbr));
        }

        Assert.Equal("12345678"u8.ToArray(), received);
        Assert.False(_line.Level);
        Assert.Equal(0xC1, Read(Iir));
    }

    [Fact]
    public void HostQueueFeedsTheFifoSixteenBytesAtATimeWithBackpressure()
    {
        Write(Fcr, 0x01);
        byte[] data = new byte[100];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }

        // 16 bytes sit in the FIFO and 64 in the host queue; the rest is refused, not dropped silently.
        Assert.Equal(80, _uart.EnqueueInput(data));
        Assert.Equal(0, _uart.InputSpace);
        Assert.False(_uart.TryEnqueueInput(0xFF));

        Assert.Equal(0, Read(Rbr));
        Assert.Equal(1, _uart.InputSpace);
        Assert.True(_uart.TryEnqueueInput(80));
        Assert.Equal(0, Read(Lsr) & 0x02); // never an overrun

        for (int i = 1; i <= 80; i++)
        {
            Assert.Equal(i, Read(Rbr));
        }

        Assert.Equal(0x60, Read(Lsr));
    }

    [Fact]
    public async Task WriteInputWaitsForTheGuestToReadAsync()
    {
        var all = new byte[200];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (byte)(i + 1);
        }

        Task writer = Task.Run(() => _uart.WriteInput(all));
        var received = new List<byte>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (received.Count < all.Length && DateTime.UtcNow < deadline)
        {
            if ((Read(Lsr) & 0x01) != 0)
            {
                received.Add(Read(Rbr));
            }
            else
            {
                await Task.Yield();
            }
        }

        await writer.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(all, received);
    }

    [Fact]
    public void WriteInputHonoursCancellationWhileTheQueueIsFull()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => _uart.WriteInput(new byte[200], cancel.Token));
        Assert.Equal(0, _uart.InputSpace);
    }

    [Fact]
    public void ThreInterruptRaisesOnEnableAndIsAcknowledgedByReadingIir()
    {
        Write(Ier, 0x02);
        Assert.True(_line.Level);
        Assert.Equal(0x02, Read(Iir));
        Assert.False(_line.Level); // the IIR read acknowledged it
        Assert.Equal(0x01, Read(Iir));

        Write(Thr, (byte)'a'); // THR empties again at once
        Assert.True(_line.Level);
        Write(Ier, 0x00);
        Assert.False(_line.Level);
        Assert.Equal(0x01, Read(Iir));
    }

    [Fact]
    public void RxDataOutranksThre()
    {
        Write(Ier, 0x03);
        _uart.EnqueueInput("z"u8);
        Assert.Equal(0x04, Read(Iir));
        Read(Rbr);
        Assert.Equal(0x02, Read(Iir)); // THRE still pending underneath
        Assert.Equal(0x01, Read(Iir));
    }

    [Fact]
    public void LoopbackOverrunRaisesALineStatusInterruptClearedByReadingLsr()
    {
        Write(Mcr, 0x10);
        Write(Ier, 0x04);
        Write(Thr, 1); // FIFO off: one byte holds
        Assert.Empty(_output);
        Assert.False(_line.Level);
        Write(Thr, 2); // overrun
        Assert.True(_line.Level);
        Assert.Equal(0x06, Read(Iir));
        Assert.Equal(0x63, Read(Lsr)); // DR, OE, THRE, TEMT
        Assert.False(_line.Level);
        Assert.Equal(0x61, Read(Lsr));
        Assert.Equal(1, Read(Rbr));
    }

    [Fact]
    public void LoopbackWiresModemControlToModemStatusAndHoldsHostInput()
    {
        Write(Mcr, 0x10 | 0x0B); // loop, DTR, RTS, OUT2
        Assert.Equal(0xB0, Read(Msr));
        Write(Mcr, 0x10 | 0x04); // loop, OUT1
        Assert.Equal(0x40, Read(Msr));

        _uart.EnqueueInput("h"u8);
        Assert.Equal(0x60, Read(Lsr)); // the serial input is disconnected in loopback
        Write(Mcr, 0x00);
        Assert.Equal((byte)'h', Read(Rbr));
    }

    [Fact]
    public void FcrClearDropsReceivedBytes()
    {
        Write(Fcr, 0x01);
        _uart.EnqueueInput("abc"u8);
        Write(Fcr, 0x03);
        Assert.Equal(0x60, Read(Lsr));
    }

    [Theory]
    [InlineData(8UL)]
    [InlineData(0xFFUL)]
    public void RegistersBeyondTheEighthReadZeroAndIgnoreWrites(ulong offset)
    {
        _uart.Write(offset, 1, 0x41);
        Assert.Equal(0UL, _uart.Read(offset, 1));
        Assert.Empty(_output);
    }

    [Fact]
    public void ResetRestoresPowerOnState()
    {
        Write(Ier, 0x02);
        Write(Scr, 9);
        _uart.EnqueueInput("abc"u8);
        _uart.Reset();
        Assert.False(_line.Level);
        Assert.Equal(0, Read(Ier));
        Assert.Equal(0, Read(Scr));
        Assert.Equal(0x60, Read(Lsr));
        Assert.Equal(64, _uart.InputSpace);
    }

    [Fact]
    public void FirmwareReadsTakeReceivedBytesInOrderAndDropTheRxInterrupt()
    {
        Write(Fcr, 0x01); // FIFO on, trigger level 1
        Write(Ier, 0x01); // RX data interrupt
        Assert.Equal(-1, _uart.TryReadReceived());
        Assert.Equal(3, _uart.EnqueueInput("abc"u8));
        Assert.True(_line.Level);

        Assert.Equal('a', _uart.TryReadReceived());
        Assert.Equal('b', _uart.TryReadReceived());
        Assert.Equal(0x61, Read(Lsr)); // 'c' still waiting for the guest's driver
        Assert.Equal('c', _uart.TryReadReceived());

        Assert.Equal(-1, _uart.TryReadReceived());
        Assert.Equal(0x60, Read(Lsr));
        Assert.False(_line.Level);
    }

    [Fact]
    public void FirmwareReadsDrainHostInputBeyondTheFifo()
    {
        byte[] input = new byte[40];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (byte)('A' + (i % 26));
        }

        Assert.Equal(input.Length, _uart.EnqueueInput(input));
        var read = new List<byte>();
        for (int value = _uart.TryReadReceived(); value >= 0; value = _uart.TryReadReceived())
        {
            read.Add((byte)value);
        }

        Assert.Equal(input, read);
    }
}
