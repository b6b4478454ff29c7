using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Block;
using Vireo.Devices.Virtio.Rng;

namespace Vireo.Devices.Tests.Virtio;

/// <summary>
/// Random hostile descriptor tables (fixed seeds): no host exception, no write outside the buffers the guest offered,
/// and every round ends in a defined state — either all chains consumed, or NEEDS_RESET with exactly one log line.
/// </summary>
public sealed class VirtqueueFuzzTests
{
    private const ulong RamBase = VirtioTestDriver.RamBase;
    private const ulong RamEnd = VirtioTestDriver.RamBase + VirtioTestDriver.RamSize;
    private const ulong QueueArea = RamBase + 0x1_0000;
    private const ulong BufferArea = VirtioTestDriver.DataBase;
    private const ulong BufferAreaSize = 0x1_0000;
    private const ulong TableArea = BufferArea + BufferAreaSize;
    private const ulong TableAreaSize = 0x1_0000;
    private const byte Canary = 0xa5;

    [Fact]
    public void RandomMalformedTables_OnRng_TenThousandRounds() =>
        Run(new VirtioRngDevice(), seed: 20261124, rounds: 10_000);

    [Fact]
    public void RandomMalformedTables_OnBlk() =>
        Run(new VirtioBlockDevice(new MemoryBlockDevice(1 << 16), readOnly: false, "fuzz"), seed: 77, rounds: 3_000);

    private static void Run(VirtioDevice device, int seed, int rounds)
    {
        using var driver = new VirtioTestDriver(device);
        var random = new Random(seed);

        // Everything outside the rings and the two areas the fuzzer points into is canary and must never change.
        byte[] canary = new byte[VirtioTestDriver.RamSize];
        canary.AsSpan().Fill(Canary);
        driver.WriteBytes(RamBase, canary);
        driver.WriteBytes(BufferArea, new byte[BufferAreaSize + TableAreaSize]);

        int failed = 0;
        int consumed = 0;
        for (int round = 0; round < rounds; round++)
        {
            ulong features = VirtioFeatures.Version1
                | (random.Next(2) == 0 ? VirtioFeatures.RingIndirectDesc : 0)
                | (random.Next(2) == 0 ? VirtioFeatures.RingEventIdx : 0);
            ushort size = (ushort)(1 << random.Next(5));
            Assert.True(driver.Negotiate(features));
            TestQueue queue = driver.SetupQueue(0, size);
            Assert.Equal(0u, driver.Status & VirtioDeviceStatus.DeviceNeedsReset);

            for (int i = 0; i < size; i++)
            {
                WriteRandomDescriptor(driver, random, queue.DescAddress, i, size, depth: 0);
            }

            for (int slot = 0; slot < size; slot++)
            {
                queue.SetAvailRingEntry(slot, (ushort)random.Next(size + 2));
            }

            queue.SetAvailFlags((ushort)random.Next(2));
            queue.SetUsedEvent((ushort)random.Next(size + 1));
            int pick = random.Next(10);
            ushort availIdx = pick < 8 ? (ushort)random.Next(size + 1) : pick == 8 ? (ushort)random.Next(size + 1, 65536) : (ushort)0;
            queue.SetAvailIdx(availIdx);
            int logBefore = driver.Log.Count;

            // DRIVER_OK only once the rings are written: the device looks at every queue when it goes live, and a
            // ring it reads while the test is still writing it would make the round's outcome depend on timing.
            driver.DriverOk();
            driver.Notify(0);
            driver.WaitIdle();

            if ((driver.Status & VirtioDeviceStatus.DeviceNeedsReset) != 0)
            {
                failed++;
                Assert.Equal(logBefore + 1, driver.Log.Count);
                Assert.NotEqual(0u, driver.Read(VirtioMmioRegister.InterruptStatus) & VirtioInterruptStatus.ConfigChange);
                Assert.True(driver.Interrupt.Level);
            }
            else
            {
                consumed++;
                Assert.Equal(logBefore, driver.Log.Count);
                Assert.Equal(availIdx, queue.UsedIdx);
            }

            AssertCanary(driver, RamBase, 0x1_0000);
            AssertCanary(driver, BufferArea - 0x1000, 0x1000);
            AssertCanary(driver, TableArea + TableAreaSize, 0x1000);
            AssertCanary(driver, RamEnd - 0x1000, 0x1000);
        }

        driver.Write(VirtioMmioRegister.Status, 0);
        Assert.Equal(0u, driver.Status);
        Assert.False(driver.Interrupt.Level);

        // Both outcomes must be well represented, or the generator is not testing what it claims.
        Assert.True(failed > rounds / 10, $"only {failed} rounds failed");
        Assert.True(consumed > rounds / 10, $"only {consumed} rounds were consumed");

        // Final sweep over every canary byte in RAM.
        byte[] ram = driver.ReadBytes(RamBase, (int)VirtioTestDriver.RamSize);
        AssertAll(ram.AsSpan(0, (int)(QueueArea - RamBase)));
        AssertAll(ram.AsSpan((int)(QueueArea + 0xc000 - RamBase), (int)(BufferArea - QueueArea - 0xc000)));
        AssertAll(ram.AsSpan((int)(TableArea + TableAreaSize - RamBase)));
    }

    private static void WriteRandomDescriptor(VirtioTestDriver driver, Random random, ulong table, int index, int tableSize, int depth)
    {
        ulong address;
        uint length;
        ushort flags = (ushort)((random.Next(2) == 0 ? TestQueue.Next : 0) | (random.Next(10) < 7 ? TestQueue.Write : 0));
        int kind = random.Next(20);
        if (kind < 11)
        {
            // A valid buffer inside the buffer area.
            ulong offset = (ulong)random.Next((int)BufferAreaSize);
            address = BufferArea + offset;
            length = (uint)random.Next(1, (int)Math.Min(4096, BufferAreaSize - offset) + 1);
        }
        else if (kind < 13)
        {
            address = BufferArea + (ulong)random.Next((int)BufferAreaSize);
            length = 0;
        }
        else if (kind < 17)
        {
            (address, length) = random.Next(6) switch
            {
                0 => (0UL, 64u),
                1 => (RamBase - 8, 64u),
                2 => (RamEnd - (ulong)random.Next(1, 64), 128u),
                3 => (ulong.MaxValue - (ulong)random.Next(64), 256u),
                4 => ((ulong)random.NextInt64(), (uint)random.Next()),
                _ => (BufferArea, uint.MaxValue),
            };
        }
        else
        {
            // An indirect table (well- or ill-formed) whose entries are random too, possibly indirect again.
            int entries = random.Next(0, 48);
            address = TableArea + ((ulong)random.Next(32) * 0x400) + (random.Next(8) == 0 ? (ulong)random.Next(16) : 0);
            length = random.Next(6) == 0 ? (uint)random.Next(0, 1024) : (uint)(16 * entries);
            flags = (ushort)(TestQueue.Indirect | (random.Next(6) == 0 ? TestQueue.Next : 0) | (random.Next(6) == 0 ? TestQueue.Write : 0));
            if (depth == 0 && address + (16 * (ulong)entries) <= TableArea + TableAreaSize)
            {
                for (int i = 0; i < entries; i++)
                {
                    WriteRandomDescriptor(driver, random, address, i, entries, depth + 1);
                }
            }
        }

        ushort next = (ushort)random.Next(tableSize + 2);
        TestQueue.WriteDescriptor(driver.Ram, table, index, address, length, flags, next);
    }

    private static void AssertCanary(VirtioTestDriver driver, ulong address, int length)
    {
        byte[] bytes = driver.ReadBytes(address, length);
        Assert.Equal(-1, bytes.AsSpan().IndexOfAnyExcept(Canary));
    }

    private static void AssertAll(ReadOnlySpan<byte> bytes) => Assert.Equal(-1, bytes.IndexOfAnyExcept(Canary));
}
