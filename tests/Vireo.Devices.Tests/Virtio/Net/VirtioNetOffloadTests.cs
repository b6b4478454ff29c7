using System.Buffers.Binary;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Net;
using Vireo.Network;
using Vireo.Network.Packets;

namespace Vireo.Devices.Tests.Virtio.Net;

/// <summary>Checksum and TCP segmentation offloads of virtio-net, both directions, at the virtqueue level.</summary>
public sealed class VirtioNetOffloadTests
{
    private const ulong Base = VirtioFeatures.Version1 | VirtioNetFeatures.Mac | VirtioNetFeatures.Status;
    private const ulong TxOffloads = Base | VirtioNetFeatures.Csum | VirtioNetFeatures.HostTso4;
    private const ulong RxOffloads = Base | VirtioNetFeatures.MergeRxBuffers | VirtioNetFeatures.GuestCsum |
        VirtioNetFeatures.GuestTso4;
    private const uint GuestIp = 0x0A00_020F;
    private const uint HostIp = 0x0A00_0202;
    private const byte Cwr = 0x80;
    private static readonly MacAddress s_mac = new(0x5254_0012_3456UL);
    private static readonly MacAddress s_gatewayMac = new(0x5255_0A00_0202UL);

    private static (VirtioTestDriver Driver, VirtioNetDevice Device, RecordingBackend Backend) Create()
    {
        var backend = new RecordingBackend();
        var device = new VirtioNetDevice(backend, s_mac);
        return (new VirtioTestDriver(device), device, backend);
    }

    /// <summary>An Ethernet + IPv4 + TCP frame with a patterned payload and correct checksums.</summary>
    private static byte[] TcpFrame(int payloadLength, TcpFlags flags, uint sequence = 1000, ushort identification = 77)
    {
        byte[] frame = new byte[54 + payloadLength];
        new EthernetHeader(s_gatewayMac, s_mac, EthernetHeader.TypeIpv4).Write(frame);
        for (int i = 0; i < payloadLength; i++)
        {
            frame[54 + i] = (byte)(i * 7);
        }

        TcpHeader.Write(frame.AsSpan(34), GuestIp, HostIp, 40000, 80, sequence, 5, flags, 1000, payloadLength);
        Ipv4Header.Write(frame.AsSpan(14), GuestIp, HostIp, Ipv4Header.ProtocolTcp, 20 + payloadLength, identification);
        return frame;
    }

    private static bool TcpChecksumValid(ReadOnlySpan<byte> frame)
    {
        int total = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
        ReadOnlySpan<byte> tcp = frame.Slice(34, total - 20);
        return Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(GuestIp, HostIp, 6, tcp.Length), tcp)) == 0;
    }

    /// <summary>Posts header + frame as one transmit chain and waits for the device to finish it.</summary>
    private static void Transmit(VirtioTestDriver driver, TestQueue tx, byte[] header, byte[] frame, int expectedUsed)
    {
        ulong address = driver.Alloc((ulong)(header.Length + frame.Length));
        driver.WriteBytes(address, [.. header, .. frame]);
        tx.Publish(tx.AddChain((address, (uint)(header.Length + frame.Length), false)));
        driver.Notify(1);
        driver.WaitUsed(tx, expectedUsed);
    }

    private static byte[] Header(byte flags, byte gsoType, ushort hdrLen, ushort gsoSize, ushort csumStart, ushort csumOffset)
    {
        byte[] header = new byte[12];
        header[0] = flags;
        header[1] = gsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), hdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), gsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), csumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), csumOffset);
        return header;
    }

    [Fact]
    public void Offers_checksum_and_tcp_segmentation_offloads_both_ways()
    {
        (VirtioTestDriver driver, _, _) = Create();
        using (driver)
        {
            ulong offered = driver.ReadDeviceFeatures();
            ulong wanted = VirtioNetFeatures.Csum | VirtioNetFeatures.HostTso4 | VirtioNetFeatures.GuestCsum |
                VirtioNetFeatures.GuestTso4;
            Assert.Equal(wanted, offered & wanted);
        }
    }

    [Fact]
    public void Partial_checksum_is_completed_before_the_backend_sees_the_frame()
    {
        (VirtioTestDriver driver, _, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue tx = driver.Start(TxOffloads, 16, 2)[1];
            byte[] frame = TcpFrame(300, TcpFlags.Ack | TcpFlags.Psh);
            // What Linux sends with CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, not complemented.
            ushort pseudo = (ushort)~Checksum.Finish(Checksum.PseudoHeader(GuestIp, HostIp, 6, 320));
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(50), pseudo);
            Assert.False(TcpChecksumValid(frame));
            Transmit(driver, tx, Header(1, 0, 0, 0, 34, 16), frame, 1);
            Assert.True(backend.Sent.TryDequeue(out byte[]? sent));
            Assert.True(TcpChecksumValid(sent));
            Assert.Equal(TcpFrame(300, TcpFlags.Ack | TcpFlags.Psh), sent);
        }
    }

    [Fact]
    public void Tso_frame_goes_whole_with_full_checksums_to_a_backend_that_carries_large_segments()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        backend.AcceptsLargeTcpSegments = true;
        using (driver)
        {
            TestQueue tx = driver.Start(TxOffloads, 16, 2)[1];
            byte[] frame = TcpFrame(2500, TcpFlags.Ack | TcpFlags.Psh);

            // As a guest hands it over: only the pseudo-header sum in the TCP field, IPv4 checksum left stale.
            frame[50] ^= 0x5A;
            frame[24] ^= 0x33;
            Transmit(driver, tx, Header(1, 1, 54, 1000, 34, 16), frame, 1);

            byte[] sent = Assert.Single(backend.Sent);
            Assert.Equal(new ReceiveOffload(ChecksumsValid: true, TcpSegmentSize: 1000), Assert.Single(backend.SentOffloads));
            Assert.Equal(frame.Length, sent.Length);
            Assert.Equal(0, Checksum.Compute(sent.AsSpan(14, 20)));
            Assert.True(TcpChecksumValid(sent));
            Assert.Equal(frame.AsSpan(54).ToArray(), sent.AsSpan(54).ToArray());
            Assert.Equal(1, device.Counters.TxFrames);
        }
    }

    [Fact]
    public void Tso_frame_is_cut_into_segments_with_their_own_lengths_sequences_flags_and_checksums()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue tx = driver.Start(TxOffloads, 16, 2)[1];
            TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin | (TcpFlags)Cwr;
            byte[] frame = TcpFrame(2500, flags, sequence: 0xFFFF_FC00);
            Transmit(driver, tx, Header(1, 1, 54, 1000, 34, 16), frame, 1);

            byte[][] segments = [.. backend.Sent];
            Assert.Equal(3, segments.Length);
            Assert.Equal(3, device.Counters.TxSegments);
            int[] lengths = [1000, 1000, 500];
            var payload = new List<byte>();
            for (int i = 0; i < 3; i++)
            {
                byte[] s = segments[i];
                Assert.Equal(54 + lengths[i], s.Length);
                Assert.Equal(40 + lengths[i], BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(16)));
                Assert.Equal(77 + i, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(18)));
                Assert.Equal(0, Checksum.Compute(s.AsSpan(14, 20)));
                Assert.True(TcpChecksumValid(s), $"segment {i} TCP checksum");
                Assert.Equal(unchecked(0xFFFF_FC00u + (uint)(1000 * i)), BinaryPrimitives.ReadUInt32BigEndian(s.AsSpan(38)));
                byte tcpFlags = s[47];
                Assert.Equal(i == 2, (tcpFlags & (byte)TcpFlags.Fin) != 0);
                Assert.Equal(i == 2, (tcpFlags & (byte)TcpFlags.Psh) != 0);
                Assert.Equal(i == 0, (tcpFlags & Cwr) != 0);
                Assert.True((tcpFlags & (byte)TcpFlags.Ack) != 0);
                payload.AddRange(s.AsSpan(54).ToArray());
            }

            Assert.Equal(frame.AsSpan(54).ToArray(), payload.ToArray());
        }
    }

    [Fact]
    public void Bad_or_unnegotiated_offload_requests_are_dropped_and_counted()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue tx = driver.Start(TxOffloads, 32, 2)[1];
            Transmit(driver, tx, Header(0, 1, 54, 0, 0, 0), TcpFrame(2000, TcpFlags.Ack), 1); // gso_size 0
            byte[] udp = TcpFrame(2000, TcpFlags.Ack);
            udp[23] = Ipv4Header.ProtocolUdp;
            Transmit(driver, tx, Header(0, 1, 54, 1000, 0, 0), udp, 2); // TSO of a non-TCP packet
            byte[] arp = TcpFrame(2000, TcpFlags.Ack);
            arp[12] = 0x08;
            arp[13] = 0x06;
            Transmit(driver, tx, Header(0, 1, 54, 1000, 0, 0), arp, 3); // TSO of a non-IPv4 frame
            Transmit(driver, tx, Header(0, 3, 54, 1000, 0, 0), TcpFrame(2000, TcpFlags.Ack), 4); // UFO: not offered
            Transmit(driver, tx, Header(1, 0, 0, 0, 34, 2000), TcpFrame(100, TcpFlags.Ack), 5); // csum beyond the frame
            byte[] shortIp = TcpFrame(2000, TcpFlags.Ack);
            BinaryPrimitives.WriteUInt16BigEndian(shortIp.AsSpan(16), 30); // IP total shorter than its headers
            Transmit(driver, tx, Header(0, 1, 54, 1000, 0, 0), shortIp, 6);
            Assert.Empty(backend.Sent);
            Assert.Equal(6, device.Counters.TxMalformed);
            Assert.Equal(0u, driver.Status & VirtioDeviceStatus.DeviceNeedsReset);
        }

        (driver, device, backend) = Create();
        using (driver)
        {
            // Offloads the driver did not accept are driver bugs, even though the device offered them.
            TestQueue tx = driver.Start(Base, 16, 2)[1];
            Transmit(driver, tx, Header(0, 1, 54, 1000, 0, 0), TcpFrame(2000, TcpFlags.Ack), 1);
            Transmit(driver, tx, Header(1, 0, 0, 0, 34, 16), TcpFrame(100, TcpFlags.Ack), 2);
            Assert.Empty(backend.Sent);
            Assert.Equal(2, device.Counters.TxMalformed);
        }
    }

    [Fact]
    public void Large_tcp_frame_reaches_the_guest_as_one_gso_packet_with_data_valid()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            Assert.False(device.AcceptsLargeTcpSegments);
            TestQueue rx = driver.Start(RxOffloads, 16, 2)[0];
            Assert.True(device.AcceptsLargeTcpSegments);
            ulong[] buffers = [driver.Alloc(2048), driver.Alloc(2048), driver.Alloc(2048)];
            foreach (ulong b in buffers)
            {
                rx.Publish(rx.AddChain((b, 2048, true)));
            }

            driver.Notify(0);
            byte[] frame = TcpFrame(5000, TcpFlags.Ack);
            Assert.True(backend.Receiver!.Receive(frame, new ReceiveOffload(true, 1460)));
            driver.WaitUsed(rx, 3);
            byte[] first = driver.ReadBytes(buffers[0], 2048);
            Assert.Equal(2, first[0]); // DATA_VALID
            Assert.Equal(1, first[1]); // GSO_TCPV4
            Assert.Equal(54, BinaryPrimitives.ReadUInt16LittleEndian(first.AsSpan(2)));
            Assert.Equal(1460, BinaryPrimitives.ReadUInt16LittleEndian(first.AsSpan(4)));
            Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(first.AsSpan(10)));
            byte[] joined = [.. first.AsSpan(12), .. driver.ReadBytes(buffers[1], 2048), .. driver.ReadBytes(buffers[2], 12 + 5054 - 4096)];
            Assert.Equal(frame, joined);
        }
    }

    [Fact]
    public void Without_guest_offloads_large_frames_are_refused_and_headers_stay_plain()
    {
        (VirtioTestDriver driver, VirtioNetDevice device, RecordingBackend backend) = Create();
        using (driver)
        {
            TestQueue rx = driver.Start(Base | VirtioNetFeatures.MergeRxBuffers, 16, 2)[0];
            Assert.False(device.AcceptsLargeTcpSegments);
            ulong buffer = driver.Alloc(2048);
            rx.Publish(rx.AddChain((buffer, 2048, true)));
            driver.Notify(0);
            Assert.False(backend.Receiver!.Receive(TcpFrame(4000, TcpFlags.Ack), new ReceiveOffload(true, 1460)));
            byte[] small = TcpFrame(100, TcpFlags.Ack);
            Assert.True(backend.Receiver.Receive(small, new ReceiveOffload(true, 0)));
            driver.WaitUsed(rx, 1);
            byte[] got = driver.ReadBytes(buffer, 12 + small.Length);
            Assert.Equal(new byte[10], got.AsSpan(0, 10).ToArray()); // no DATA_VALID without GUEST_CSUM
            Assert.Equal(small, got.AsSpan(12).ToArray());
        }
    }
}
