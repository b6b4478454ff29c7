using System.Text;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Console;

namespace Vireo.Devices.Tests.Virtio;

public sealed class VirtioConsoleDeviceTests
{
    private readonly List<byte> _output = [];

    private VirtioConsoleDevice CreateConsole() => new(bytes =>
    {
        lock (_output)
        {
            _output.AddRange(bytes.ToArray());
        }
    });

    [Fact]
    public void TransmitQueue_GoesToTheOutputSink()
    {
        using var driver = new VirtioTestDriver(CreateConsole());
        Assert.Equal(3u, driver.Read(VirtioMmioRegister.DeviceId));
        TestQueue[] queues = driver.Start(VirtioFeatures.Version1, 16, 2);
        ulong text = driver.Alloc(32);
        driver.WriteBytes(text, "hello, hvc0\n"u8);
        queues[1].Publish(queues[1].AddChain((text, 7, false), (text + 7, 5, false)));
        driver.Notify(1);
        driver.WaitUsed(queues[1], 1);
        lock (_output)
        {
            Assert.Equal("hello, hvc0\n", Encoding.ASCII.GetString([.. _output]));
        }
    }

    [Fact]
    public void InputQueuedBeforeAReceiveBuffer_IsDeliveredWhenOneArrives()
    {
        VirtioConsoleDevice console = CreateConsole();
        using var driver = new VirtioTestDriver(console);
        TestQueue[] queues = driver.Start(VirtioFeatures.Version1, 16, 2);
        Assert.Equal(3, console.EnqueueInput("abc"u8));
        Thread.Sleep(10);
        Assert.Equal(0, queues[0].UsedIdx);

        ulong buffer = driver.Alloc(16);
        queues[0].Publish(queues[0].AddChain((buffer, 16, true)));
        driver.Notify(0);
        driver.WaitUsed(queues[0], 1);
        Assert.Equal(3u, queues[0].UsedElement(0).Length);
        Assert.Equal("abc"u8.ToArray(), driver.ReadBytes(buffer, 3));
    }

    [Fact]
    public void InputArrivingLater_FillsWaitingBuffers_SplittingAcrossThem()
    {
        VirtioConsoleDevice console = CreateConsole();
        using var driver = new VirtioTestDriver(console);
        TestQueue[] queues = driver.Start(VirtioFeatures.Version1, 16, 2);
        ulong first = driver.Alloc(4);
        ulong second = driver.Alloc(4);
        queues[0].Publish(queues[0].AddChain((first, 4, true)));
        queues[0].Publish(queues[0].AddChain((second, 4, true)));
        driver.Notify(0);

        console.EnqueueInput("123456"u8);
        driver.WaitUsed(queues[0], 2);
        Assert.Equal("1234"u8.ToArray(), driver.ReadBytes(first, 4));
        Assert.Equal("56"u8.ToArray(), driver.ReadBytes(second, 2));
        Assert.Equal(2u, queues[0].UsedElement(1).Length);
    }

    [Fact]
    public void InputBeyondCapacity_IsDropped()
    {
        VirtioConsoleDevice console = CreateConsole();
        byte[] big = new byte[VirtioConsoleDevice.InputCapacity + 10];
        Assert.Equal(VirtioConsoleDevice.InputCapacity, console.EnqueueInput(big));
        Assert.Equal(0, console.EnqueueInput("x"u8));
        console.Dispose();
    }
}
