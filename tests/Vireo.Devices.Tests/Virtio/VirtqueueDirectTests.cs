using Vireo.Core.Memory;
using Vireo.Devices.Virtio;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>Virtqueue operations used directly by device models (no transport or worker involved).</summary>
public sealed class VirtqueueDirectTests : IDisposable
{
    private const ulong Base = 0x8000_0000;
    private readonly GuestRam _ram = new(Base, 1 << 20);
    private readonly Virtqueue _queue;
    private readonly TestQueue _driver;

    public VirtqueueDirectTests()
    {
        _queue = new Virtqueue(_ram, 0, 8)
        {
            DescriptorAddress = Base,
            DriverAddress = Base + 0x1000,
            DeviceAddress = Base + 0x2000,
        };
        Assert.Null(_queue.Activate(VirtioFeatures.Version1));
        _driver = new TestQueue(_ram, Base, Base + 0x1000, Base + 0x2000, 8);
    }

    [Fact]
    public void HasAvailable_Peeks_AndUndoPop_ReturnsTheSameChainAgain()
    {
        var chain = new VirtqueueChain(_ram);
        Assert.False(_queue.HasAvailable);
        Assert.Equal(VirtqueuePopResult.Empty, _queue.TryPop(chain, out _));

        ushort head = _driver.AddChain((Base + 0x4000, 100, true), (Base + 0x5000, 50, true));
        _driver.Publish(head);
        Assert.True(_queue.HasAvailable);
        Assert.True(_queue.HasAvailable);

        Assert.Equal(VirtqueuePopResult.Chain, _queue.TryPop(chain, out _));
        Assert.False(_queue.HasAvailable);
        Assert.Equal(150UL, chain.WritableBytes);
        _queue.UndoPop();
        Assert.True(_queue.HasAvailable);
        Assert.Equal(VirtqueuePopResult.Chain, _queue.TryPop(chain, out _));
        Assert.Equal(head, chain.Head);
        Assert.Equal(2, chain.Count);
    }

    [Fact]
    public void CopyHelpers_CrossBufferBoundaries()
    {
        var chain = new VirtqueueChain(_ram);
        Assert.True(_ram.TryWrite(Base + 0x4000, "abc"u8));
        Assert.True(_ram.TryWrite(Base + 0x4100, "defg"u8));
        _driver.Publish(_driver.AddChain((Base + 0x4000, 3, false), (Base + 0x4100, 4, false), (Base + 0x5000, 2, true), (Base + 0x5100, 8, true)));
        Assert.Equal(VirtqueuePopResult.Chain, _queue.TryPop(chain, out _));

        byte[] read = new byte[5];
        Assert.Equal(5, chain.CopyFromReadable(1, read));
        Assert.Equal("bcdef"u8.ToArray(), read);
        Assert.Equal(2, chain.CopyFromReadable(5, read));

        Assert.Equal(4, chain.CopyToWritable(1, "WXYZ"u8));
        byte[] written = new byte[4];
        Assert.True(_ram.TryRead(Base + 0x5001, written.AsSpan(0, 1)));
        Assert.True(_ram.TryRead(Base + 0x5100, written.AsSpan(1, 3)));
        Assert.Equal("WXYZ"u8.ToArray(), written);
        Assert.Equal(0, chain.CopyToWritable(10, "Q"u8));
    }

    [Fact]
    public void PushUsed_Batch_PublishesEveryElementWithOneIndexUpdate_AndSignalsWhenUsedEventFallsInside()
    {
        using var ram = new GuestRam(Base, 1 << 20);
        var queue = new Virtqueue(ram, 0, 8)
        {
            DescriptorAddress = Base,
            DriverAddress = Base + 0x1000,
            DeviceAddress = Base + 0x2000,
        };
        Assert.Null(queue.Activate(VirtioFeatures.Version1 | VirtioFeatures.RingEventIdx));
        var driver = new TestQueue(ram, Base, Base + 0x1000, Base + 0x2000, 8);
        var chains = new VirtqueueChain[3];
        for (int i = 0; i < 3; i++)
        {
            driver.Publish(driver.AddChain((Base + 0x4000 + (0x100 * (ulong)i), 64, true)));
            chains[i] = new VirtqueueChain(ram);
            Assert.Equal(VirtqueuePopResult.Chain, queue.TryPop(chains[i], out _));
        }

        // The driver wants an interrupt once entry 1 (the second) is used: inside the batch [0, 3).
        driver.SetUsedEvent(1);
        Assert.True(queue.PushUsed([chains[0].Head, chains[1].Head, chains[2].Head], [10u, 20u, 30u]));
        Assert.Equal(3, driver.UsedIdx);
        Assert.Equal((chains[0].Head, 10u), ((ushort)driver.UsedElement(0).Id, driver.UsedElement(0).Length));
        Assert.Equal((chains[2].Head, 30u), ((ushort)driver.UsedElement(2).Id, driver.UsedElement(2).Length));

        // used_event 1 is behind the next batch [3, 4): no interrupt.
        driver.Publish(driver.AddChain((Base + 0x5000, 64, true)));
        Assert.Equal(VirtqueuePopResult.Chain, queue.TryPop(chains[0], out _));
        Assert.False(queue.PushUsed([chains[0].Head], [5u]));
        Assert.Equal(4, driver.UsedIdx);
    }

    [Fact]
    public void PushUsed_PublishesElementAndIndex()
    {
        var chain = new VirtqueueChain(_ram);
        _driver.Publish(_driver.AddChain((Base + 0x4000, 16, true)));
        Assert.Equal(VirtqueuePopResult.Chain, _queue.TryPop(chain, out _));
        Assert.True(_queue.PushUsed(chain.Head, 16));
        Assert.Equal(1, _driver.UsedIdx);
        Assert.Equal((0u, 16u), _driver.UsedElement(0));
    }

    [Fact]
    public void EmptySlot_LooksLikeAVirtioMmioWindowWithDeviceIdZero()
    {
        var slot = new VirtioMmioEmptySlot();
        Assert.Equal(0x74726976UL, slot.Read(0, 4));
        Assert.Equal(2UL, slot.Read(4, 4));
        Assert.Equal(0UL, slot.Read(8, 4));
        Assert.Equal(0x1000UL, slot.Size);
        slot.Write(0x70, 4, 0xff);
        Assert.Equal(0UL, slot.Read(0x70, 4));
    }

    public void Dispose() => _ram.Dispose();
}
