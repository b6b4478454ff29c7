using System.Diagnostics;
using Vireo.Core.Memory;
using Vireo.Devices.Virtio;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>
/// Plays the guest driver at register level: owns guest RAM and a transport around the device under test, negotiates
/// features through the MMIO registers, lays out rings in RAM and waits for the device's work.
/// </summary>
internal sealed class VirtioTestDriver : IDisposable
{
    public const ulong RamBase = 0x8000_0000;
    public const ulong RamSize = 4 << 20;
    public const ulong DataBase = RamBase + 0x10_0000;

    private ulong _nextData = DataBase;

    public VirtioTestDriver(VirtioDevice device)
    {
        Ram = new GuestRam(RamBase, RamSize);
        Transport = new VirtioMmioTransport(device, Ram, Interrupt, line =>
        {
            lock (Log)
            {
                Log.Add(line);
            }
        });
    }

    public GuestRam Ram { get; }

    public TestInterruptLine Interrupt { get; } = new();

    public VirtioMmioTransport Transport { get; }

    public List<string> Log { get; } = [];

    public uint Status => Read(VirtioMmioRegister.Status);

    public uint Read(int register) => (uint)Transport.Read((ulong)register, 4);

    public void Write(int register, uint value) => Transport.Write((ulong)register, 4, value);

    /// <summary>Resets, acknowledges and offers <paramref name="features"/>; true when FEATURES_OK sticks.</summary>
    public bool Negotiate(ulong features)
    {
        Write(VirtioMmioRegister.Status, 0);
        Write(VirtioMmioRegister.Status, VirtioDeviceStatus.Acknowledge);
        Write(VirtioMmioRegister.Status, VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver);
        Write(VirtioMmioRegister.DriverFeaturesSel, 0);
        Write(VirtioMmioRegister.DriverFeatures, (uint)features);
        Write(VirtioMmioRegister.DriverFeaturesSel, 1);
        Write(VirtioMmioRegister.DriverFeatures, (uint)(features >> 32));
        Write(VirtioMmioRegister.Status, VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.FeaturesOk);
        return (Status & VirtioDeviceStatus.FeaturesOk) != 0;
    }

    /// <summary>Features the device offers, read through DeviceFeaturesSel 0 and 1.</summary>
    public ulong ReadDeviceFeatures()
    {
        Write(VirtioMmioRegister.DeviceFeaturesSel, 0);
        ulong low = Read(VirtioMmioRegister.DeviceFeatures);
        Write(VirtioMmioRegister.DeviceFeaturesSel, 1);
        return low | ((ulong)Read(VirtioMmioRegister.DeviceFeatures) << 32);
    }

    /// <summary>Lays queue <paramref name="index"/> out in its own 64 KiB area of RAM and sets QueueReady.</summary>
    public TestQueue SetupQueue(int index, ushort size)
    {
        ulong area = RamBase + (0x1_0000 * (ulong)(index + 1));

        // A fresh driver zeroes its rings, so nothing from an earlier life of the queue is seen again.
        WriteBytes(area, new byte[0xc000]);
        Write(VirtioMmioRegister.QueueSel, (uint)index);
        Write(VirtioMmioRegister.QueueNum, size);
        var queue = new TestQueue(Ram, area, area + 0x4000, area + 0x8000, size);
        Write(VirtioMmioRegister.QueueDescLow, (uint)queue.DescAddress);
        Write(VirtioMmioRegister.QueueDescHigh, (uint)(queue.DescAddress >> 32));
        Write(VirtioMmioRegister.QueueDriverLow, (uint)queue.AvailAddress);
        Write(VirtioMmioRegister.QueueDriverHigh, (uint)(queue.AvailAddress >> 32));
        Write(VirtioMmioRegister.QueueDeviceLow, (uint)queue.UsedAddress);
        Write(VirtioMmioRegister.QueueDeviceHigh, (uint)(queue.UsedAddress >> 32));
        Write(VirtioMmioRegister.QueueReady, 1);
        return queue;
    }

    public void DriverOk() =>
        Write(VirtioMmioRegister.Status, VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.FeaturesOk | VirtioDeviceStatus.DriverOk);

    /// <summary>Negotiates <paramref name="features"/>, sets up every queue and sets DRIVER_OK.</summary>
    public TestQueue[] Start(ulong features, ushort queueSize, int queueCount)
    {
        Assert.True(Negotiate(features));
        var queues = new TestQueue[queueCount];
        for (int i = 0; i < queueCount; i++)
        {
            queues[i] = SetupQueue(i, queueSize);
        }

        DriverOk();
        return queues;
    }

    public void Notify(int queue) => Write(VirtioMmioRegister.QueueNotify, (uint)queue);

    /// <summary>Takes <paramref name="size"/> bytes of data area (16-byte aligned).</summary>
    public ulong Alloc(ulong size)
    {
        ulong address = _nextData;
        _nextData = (_nextData + size + 15) & ~15UL;
        Assert.True(_nextData <= RamBase + RamSize);
        return address;
    }

    public byte[] ReadBytes(ulong address, int length)
    {
        byte[] bytes = new byte[length];
        Assert.True(Ram.TryRead(address, bytes));
        return bytes;
    }

    public void WriteBytes(ulong address, ReadOnlySpan<byte> bytes) => Assert.True(Ram.TryWrite(address, bytes));

    /// <summary>Waits (at most 30 s: the build machine can be heavily overloaded) until <paramref name="condition"/> holds.</summary>
    public static void WaitUntil(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        var spin = default(SpinWait);
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                Assert.Fail("Timed out waiting for " + what);
            }

            // Spins first, then sleeps: a busy waiter must not keep the device's worker off the CPU.
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    /// <summary>Waits until the device served every notification and finished every request.</summary>
    public void WaitIdle() => WaitUntil(() => Transport.IsIdle, "the device to go idle (" + Transport.DebugState + ")");

    public void WaitUsed(TestQueue queue, int count) => WaitUntil(() => queue.UsedIdx == (ushort)count, $"{count} used entries");

    public void Dispose()
    {
        Transport.Dispose();
        Ram.Dispose();
    }
}
