using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Vsock;

namespace Vireo.Devices.Tests.Virtio.Vsock;

/// <summary>
/// Plays the guest's vsock driver at register level: posts receive buffers, sends packets on the transmit queue and
/// reads what the device delivered, re-posting each receive buffer as a driver would.
/// </summary>
internal sealed class VsockTestGuest : IDisposable
{
    public const ulong GuestCid = 7;
    public const int RxBufferSize = 4096 + VsockHeader.Size;
    public const int MaxTxPayload = 8192;
    private const ushort Size = 64;

    private readonly TestQueue _rx;
    private readonly TestQueue _tx;
    private readonly ulong _rxArea;
    private readonly ulong _txArea;
    private int _rxSeen;
    private int _txSent;

    public VsockTestGuest(int bufferSize = VirtioVsockDevice.DefaultBufferSize)
    {
        Device = new VirtioVsockDevice(GuestCid, bufferSize);
        Driver = new VirtioTestDriver(Device);
        TestQueue[] queues = Driver.Start(VirtioFeatures.Version1 | VirtioVsockDevice.FeatureStream, Size, 3);
        _rx = queues[0];
        _tx = queues[1];
        _rxArea = Driver.Alloc((ulong)RxBufferSize * Size);
        _txArea = Driver.Alloc((ulong)(VsockHeader.Size + MaxTxPayload) * Size);
        for (int i = 0; i < Size; i++)
        {
            PostRx(i);
        }

        Driver.Notify(0);
    }

    public VirtioVsockDevice Device { get; }

    public VirtioTestDriver Driver { get; }

    public TestQueue Tx => _tx;

    public ulong TxArea => _txArea;

    /// <summary>Sends one packet (header and payload in one readable buffer) and waits until the device took it.</summary>
    public void Send(VsockHeader header, ReadOnlySpan<byte> payload = default)
    {
        header.Length = header.Length == 0 ? (uint)payload.Length : header.Length;
        ulong address = _txArea + ((ulong)(_txSent % Size) * (VsockHeader.Size + MaxTxPayload));
        byte[] bytes = new byte[VsockHeader.Size + payload.Length];
        header.Write(bytes);
        payload.CopyTo(bytes.AsSpan(VsockHeader.Size));
        Driver.WriteBytes(address, bytes);
        SendChain((address, (uint)bytes.Length, false));
    }

    /// <summary>Publishes an arbitrary chain on the transmit queue and waits until it is used.</summary>
    public void SendChain(params (ulong Address, uint Length, bool Writable)[] buffers)
    {
        _tx.Publish(_tx.AddChain(buffers));
        _txSent++;
        Driver.Notify(1);
        Driver.WaitUsed(_tx, _txSent);
    }

    public VsockHeader Header(VsockOp op, uint guestPort, uint hostPort, uint bufferAllocation = 65536, uint forwardCount = 0, uint flags = 0) => new()
    {
        SourceCid = GuestCid,
        DestinationCid = VirtioVsockDevice.HostCid,
        SourcePort = guestPort,
        DestinationPort = hostPort,
        Type = VsockHeader.TypeStream,
        Op = op,
        Flags = flags,
        BufferAllocation = bufferAllocation,
        ForwardCount = forwardCount,
    };

    /// <summary>Waits for the next packet the device delivered.</summary>
    public (VsockHeader Header, byte[] Payload) Receive()
    {
        VirtioTestDriver.WaitUntil(() => _rx.UsedIdx != (ushort)_rxSeen, "a vsock packet for the guest");
        return TakeRx();
    }

    /// <summary>Every packet delivered so far, after the device went idle.</summary>
    public List<(VsockHeader Header, byte[] Payload)> Drain()
    {
        Driver.WaitIdle();
        var packets = new List<(VsockHeader, byte[])>();
        while (_rx.UsedIdx != (ushort)_rxSeen)
        {
            packets.Add(TakeRx());
        }

        return packets;
    }

    /// <summary>Waits for the next packet that is not a credit update (those may come at any time).</summary>
    public (VsockHeader Header, byte[] Payload) ReceiveSkippingCredit()
    {
        while (true)
        {
            (VsockHeader header, byte[] payload) = Receive();
            if (header.Op != VsockOp.CreditUpdate)
            {
                return (header, payload);
            }
        }
    }

    private (VsockHeader, byte[]) TakeRx()
    {
        (uint id, uint length) = _rx.UsedElement(_rxSeen);
        _rxSeen++;
        int slot = (int)id;
        ulong address = _rxArea + ((ulong)slot * RxBufferSize);
        Assert.True(length >= VsockHeader.Size, $"receive packet of {length} bytes");
        byte[] bytes = Driver.ReadBytes(address, (int)length);
        VsockHeader header = VsockHeader.Read(bytes);
        Assert.Equal(length - VsockHeader.Size, header.Length);
        Assert.Equal(VirtioVsockDevice.HostCid, header.SourceCid);
        Assert.Equal(GuestCid, header.DestinationCid);
        PostRx(slot);
        Driver.Notify(0);
        return (header, bytes[VsockHeader.Size..]);
    }

    private void PostRx(int slot)
    {
        // Descriptor index = slot, so the used id tells which buffer came back.
        ulong address = _rxArea + ((ulong)slot * RxBufferSize);
        _rx.WriteDescriptor(slot, address, RxBufferSize, TestQueue.Write, 0);
        _rx.Publish((ushort)slot);
    }

    public void Dispose() => Driver.Dispose();
}
