using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Rng;

namespace Vireo.Devices.Tests.Virtio;

public sealed class VirtioRngDeviceTests
{
    [Fact]
    public void FillsEveryWritableBufferWithRandomBytes()
    {
        using var driver = new VirtioTestDriver(new VirtioRngDevice());
        TestQueue queue = driver.Start(VirtioFeatures.Version1, 8, 1)[0];
        ulong a = driver.Alloc(256);
        ulong b = driver.Alloc(256);
        queue.Publish(queue.AddChain((a, 256, true)));
        queue.Publish(queue.AddChain((b, 100, true), (b + 100, 156, true)));
        driver.Notify(0);
        driver.WaitUsed(queue, 2);

        Assert.Equal(256u, queue.UsedElement(0).Length);
        Assert.Equal(256u, queue.UsedElement(1).Length);
        byte[] first = driver.ReadBytes(a, 256);
        byte[] second = driver.ReadBytes(b, 256);
        Assert.NotEqual(first, second);

        // 256 random bytes take well over 64 distinct values; all-zero or constant output would not.
        Assert.True(first.Distinct().Count() > 64);
        Assert.True(second.Distinct().Count() > 64);
    }
}
