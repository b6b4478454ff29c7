using System.Buffers.Binary;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Net;
using Vireo.Network.Packets;

namespace Vireo.Devices.Tests.Virtio.Net;

public sealed class VirtioNetDeviceTests
{
    private static readonly MacAddress s_mac = new(0x5254_0012_3456UL);
    private const ulong Features = VirtioFeatures.Version1 | VirtioNetFeatures.Mac | VirtioNetFeatures.Status;

    private static (VirtioTestDriver Driver, VirtioNetDevice Device, RecordingBackend Backend) Create()
    {
        var backend = new RecordingBackend();
        var device = new VirtioNetDevice(backend, s_mac);
        return (new VirtioTestDriver(device), device, backend);
    }

    private static byte[] Frame(int length, byte seed)
    {
        byte[] frame = new byte[length];
        for (int i = 0; i < length; i++)
        {
            frame[i] = (byte)(seed + i);
        }

        new EthernetHeader(MacAddress.Broadcast, new MacAddress(0x0200_0000_0001UL), 0x88B5).Write(frame);
        return frame;
    }

    [Fact]
    public void Identifies_as_net_with_mac_status_and_mergeable_buffers()
    {
        (VirtioTestDriver driver, _, _) = Create();
        using (driver)
        {
            Assert.Equal(1u, driver.Read(VirtioMmioRegister.DeviceId));
            ulong offered = driver.ReadDeviceFeatures();
            Assert.NotEqual(0UL, offered & VirtioNetFeatures.Mac);
            Assert.NotEqual(0UL, offered & VirtioNetFeatures.Status);
            Assert.NotEqual(0UL, offered & VirtioNetFeatures.MergeRxBuffers);
            byte[] mac = new byte[6];
            for (int i = 0; i < 6; i++)
            {
                mac[i] = (byte)driver.Transport.Read((ulong)(VirtioMmioRegister.Config + i), 1);
            }

            Assert.Equal(s_mac, MacAddress.Read(mac));
            Assert.Equal(1u, (uint)driver.Transport.Read(VirtioMmioRegister.Config + 6, 2));
        }
    }

    [Fact]
    public void Default_mac_is_stable_per_vm_and_locally_administered_unicast()
    {
        MacAddress a = VirtioNetDevice.DefaultMac("vm-a");
        Assert.Equal(a, VirtioNetDevice.DefaultMac("vm-a"));
        Assert.NotEqual(a, VirtioNetDevice.DefaultMac("vm-b"));
        Assert.Equal(0x525400UL, a.Value >> 24);
        Assert.False(a.IsMulticast);
    }

    [Fact]
    public void Transmitted_frames_reach_the_backend_without_the_header()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue[] queues = driver.Start(Features, 16, 2);
            TestQueue tx = queues[1];
            byte[] frame = Frame(100, 1);
            ulong header = driver.Alloc(12);
            ulong data = driver.Alloc(100);
            driver.WriteBytes(header, new byte[12]);
            driver.WriteBytes(data, frame);
            // Header and frame in separate descriptors, as Linux may post them.
            tx.Publish(tx.AddChain((header, 12, false), (data, 100, false)));
            ulong whole = driver.Alloc(112);
            driver.WriteBytes(whole, [.. new byte[12], .. frame]);
            tx.Publish(tx.AddChain((whole, 112, false)));
            driver.Notify(1);
            driver.WaitUsed(tx, 2);
            Assert.Equal(2, backend.Sent.Count);
            Assert.All(backend.Sent, sent => Assert.Equal(frame, sent));
            Assert.Equal(2, device.Counters.TxFrames);
        }
    }

    [Fact]
    public void Malformed_transmit_chains_are_dropped_and_counted_not_sent()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue tx = driver.Start(Features, 16, 2)[1];
            ulong tiny = driver.Alloc(20);
            tx.Publish(tx.AddChain((tiny, 20, false)));
            ulong csum = driver.Alloc(112);
            byte[] withCsum = [.. new byte[12], .. Frame(100, 2)];
            withCsum[0] = 1; // NEEDS_CSUM, never negotiated
            driver.WriteBytes(csum, withCsum);
            tx.Publish(tx.AddChain((csum, 112, false)));
            ulong gso = driver.Alloc(112);
            byte[] withGso = [.. new byte[12], .. Frame(100, 3)];
            withGso[1] = 1; // GSO_TCPV4, never negotiated
            driver.WriteBytes(gso, withGso);
            tx.Publish(tx.AddChain((gso, 112, false)));
            driver.Notify(1);
            driver.WaitUsed(tx, 3);
            Assert.Empty(backend.Sent);
            Assert.Equal(3, device.Counters.TxMalformed);
            Assert.Equal(0u, driver.Status & VirtioDeviceStatus.DeviceNeedsReset);
        }
    }

    [Fact]
    public void Descriptor_outside_ram_sets_needs_reset_instead_of_throwing()
    {
        (VirtioTestDriver driver, _, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue tx = driver.Start(Features, 16, 2)[1];
            tx.Publish(tx.AddChain((0x1000, 100, false)));
            driver.Notify(1);
            VirtioTestDriver.WaitUntil(() => (driver.Status & VirtioDeviceStatus.DeviceNeedsReset) != 0, "NEEDS_RESET");
            Assert.Empty(backend.Sent);
            Assert.Single(driver.Log);
        }
    }

    [Fact]
    public void Received_frame_fills_one_buffer_with_header_and_num_buffers_1()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue rx = driver.Start(Features, 16, 2)[0];
            ulong buffer = driver.Alloc(1526);
            rx.Publish(rx.AddChain((buffer, 1526, true)));
            driver.Notify(0);
            byte[] frame = Frame(1514, 9);
            Assert.True(backend.Inject(frame));
            driver.WaitUsed(rx, 1);
            Assert.Equal(12u + 1514u, rx.UsedElement(0).Length);
            byte[] got = driver.ReadBytes(buffer, 1526);
            Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(got.AsSpan(10)));
            Assert.Equal(new byte[10], got.AsSpan(0, 10).ToArray());
            Assert.Equal(frame, got.AsSpan(12).ToArray());
            // The device publishes the used element, then raises the interrupt: the test may see the first before the second.
            VirtioTestDriver.WaitUntil(() => driver.Interrupt.Level, "the used-buffer interrupt");
            Assert.Equal(1, device.Counters.RxFrames);
        }
    }

    [Fact]
    public void Mergeable_buffers_carry_a_frame_across_several_buffers()
    {
        (VirtioTestDriver driver, _, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue rx = driver.Start(Features | VirtioNetFeatures.MergeRxBuffers, 16, 2)[0];
            ulong[] buffers = [driver.Alloc(512), driver.Alloc(512), driver.Alloc(512)];
            foreach (ulong b in buffers)
            {
                rx.Publish(rx.AddChain((b, 512, true)));
            }

            driver.Notify(0);
            byte[] frame = Frame(1000, 4);
            Assert.True(backend.Inject(frame));
            driver.WaitUsed(rx, 2);
            Assert.Equal(512u, rx.UsedElement(0).Length);
            Assert.Equal(1012u - 512u, rx.UsedElement(1).Length);
            byte[] first = driver.ReadBytes(buffers[0], 512);
            Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(first.AsSpan(10)));
            byte[] joined = [.. first.AsSpan(12), .. driver.ReadBytes(buffers[1], 500)];
            Assert.Equal(frame, joined);
        }
    }

    [Fact]
    public void Frames_wait_for_buffers_and_a_partial_gather_resumes_when_more_are_posted()
    {
        (VirtioTestDriver driver, _, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue rx = driver.Start(Features | VirtioNetFeatures.MergeRxBuffers, 16, 2)[0];
            byte[] frame = Frame(900, 5);
            Assert.True(backend.Inject(frame));
            ulong a = driver.Alloc(512);
            rx.Publish(rx.AddChain((a, 512, true)));
            driver.Notify(0);
            driver.WaitIdle();
            Assert.Equal(0, rx.UsedIdx);
            ulong b = driver.Alloc(512);
            rx.Publish(rx.AddChain((b, 512, true)));
            driver.Notify(0);
            driver.WaitUsed(rx, 2);
            byte[] joined = [.. driver.ReadBytes(a, 512).AsSpan(12), .. driver.ReadBytes(b, 400)];
            Assert.Equal(frame, joined);
        }
    }

    [Fact]
    public void Frames_are_refused_before_driver_ok_and_too_big_frames_for_small_buffers_are_counted()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            Assert.False(backend.Inject(Frame(100, 1)));
            Assert.Equal(1, device.Counters.RxDropped);
            Assert.False(backend.Inject(new byte[5]));

            TestQueue rx = driver.Start(Features, 16, 2)[0];
            ulong small = driver.Alloc(200);
            rx.Publish(rx.AddChain((small, 200, true)));
            driver.Notify(0);
            Assert.True(backend.Inject(Frame(1000, 2)));
            driver.WaitUsed(rx, 1);
            Assert.Equal(12u, rx.UsedElement(0).Length);
            Assert.Equal(1, device.Counters.RxTooBig);
            Assert.Equal(0u, driver.Status & VirtioDeviceStatus.DeviceNeedsReset);
        }
    }

    [Fact]
    public void Link_down_raises_a_config_change_and_reports_status_0()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            driver.Start(Features, 16, 2);
            uint generation = driver.Read(VirtioMmioRegister.ConfigGeneration);
            device.LinkIsUp = false;
            Assert.Equal(0u, (uint)driver.Transport.Read(VirtioMmioRegister.Config + 6, 2));
            Assert.NotEqual(generation, driver.Read(VirtioMmioRegister.ConfigGeneration));
            Assert.False(backend.Inject(Frame(100, 1)));
        }
    }
}
