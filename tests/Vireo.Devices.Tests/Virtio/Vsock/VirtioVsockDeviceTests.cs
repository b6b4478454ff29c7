using System.Text;
using Vireo.Devices.Virtio;
using Vireo.Devices.Virtio.Vsock;

namespace Vireo.Devices.Tests.Virtio.Vsock;

public sealed class VirtioVsockDeviceTests
{
    private const uint GuestPort = 52;
    private const uint HostPort = 1234;

    [Fact]
    public void ConfigCarriesTheGuestCid()
    {
        using var guest = new VsockTestGuest();
        Assert.Equal(19u, guest.Driver.Read(VirtioMmioRegister.DeviceId));
        uint low = guest.Driver.Read(VirtioMmioRegister.Config);
        uint high = guest.Driver.Read(VirtioMmioRegister.Config + 4);
        Assert.Equal(VsockTestGuest.GuestCid, low | ((ulong)high << 32));
        Assert.NotEqual(0UL, guest.Driver.ReadDeviceFeatures() & VirtioVsockDevice.FeatureStream);
    }

    [Fact]
    public async Task HostConnect_DataBothWays_GuestCloseGivesEndOfStreamAndRst()
    {
        using var guest = new VsockTestGuest();
        Task<VsockStream> connect = guest.Device.ConnectAsync(GuestPort);
        (VsockHeader request, _) = guest.Receive();
        Assert.Equal(VsockOp.Request, request.Op);
        Assert.Equal(GuestPort, request.DestinationPort);
        Assert.True(request.SourcePort >= VirtioVsockDevice.FirstEphemeralPort);
        Assert.Equal((uint)VirtioVsockDevice.DefaultBufferSize, request.BufferAllocation);
        uint hostPort = request.SourcePort;

        guest.Send(guest.Header(VsockOp.Response, GuestPort, hostPort));
        VsockStream stream = await connect.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(hostPort, stream.HostPort);

        await stream.WriteAsync(Encoding.ASCII.GetBytes("hello guest"));
        (VsockHeader rw, byte[] payload) = guest.Receive();
        Assert.Equal(VsockOp.ReadWrite, rw.Op);
        Assert.Equal("hello guest", Encoding.ASCII.GetString(payload));

        guest.Send(guest.Header(VsockOp.ReadWrite, GuestPort, hostPort, forwardCount: 11), Encoding.ASCII.GetBytes("hello host"));
        byte[] buffer = new byte[64];
        int n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("hello host", Encoding.ASCII.GetString(buffer, 0, n));

        guest.Send(guest.Header(VsockOp.Shutdown, GuestPort, hostPort, flags: VsockHeader.ShutdownReceive | VsockHeader.ShutdownSend));
        Assert.Equal(0, await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(VsockOp.Rst, guest.ReceiveSkippingCredit().Header.Op);
        await Assert.ThrowsAsync<IOException>(() => stream.WriteAsync(new byte[1]).AsTask());
        Assert.Equal(0, guest.Device.ConnectionCount);
    }

    [Fact]
    public async Task HostConnect_RefusedByRst()
    {
        using var guest = new VsockTestGuest();
        Task<VsockStream> connect = guest.Device.ConnectAsync(GuestPort);
        (VsockHeader request, _) = guest.Receive();
        guest.Send(guest.Header(VsockOp.Rst, GuestPort, request.SourcePort));
        await Assert.ThrowsAsync<VsockConnectionRefusedException>(() => connect.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, guest.Device.ConnectionCount);
    }

    [Fact]
    public async Task HostConnect_CancelledSendsRst()
    {
        using var guest = new VsockTestGuest();
        using var cancel = new CancellationTokenSource();
        Task<VsockStream> connect = guest.Device.ConnectAsync(GuestPort, cancel.Token);
        Assert.Equal(VsockOp.Request, guest.Receive().Header.Op);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect);
        Assert.Equal(VsockOp.Rst, guest.Receive().Header.Op);
    }

    [Fact]
    public async Task GuestConnect_AcceptedByHandler_HostCloseSendsShutdown()
    {
        using var guest = new VsockTestGuest();
        var accepted = new TaskCompletionSource<VsockStream>();
        guest.Device.GuestConnect = incoming =>
        {
            Assert.Equal(HostPort, incoming.HostPort);
            Assert.Equal(5000u, incoming.GuestPort);
            accepted.SetResult(incoming.Accept()!);
        };
        guest.Send(guest.Header(VsockOp.Request, 5000, HostPort));
        Assert.Equal(VsockOp.Response, guest.Receive().Header.Op);
        VsockStream stream = await accepted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await stream.WriteAsync(new byte[] { 1, 2, 3 });
        await stream.DisposeAsync();
        (VsockHeader data, byte[] payload) = guest.Receive();
        Assert.Equal(VsockOp.ReadWrite, data.Op);
        Assert.Equal(new byte[] { 1, 2, 3 }, payload);
        (VsockHeader shutdown, _) = guest.Receive();
        Assert.Equal(VsockOp.Shutdown, shutdown.Op);
        Assert.Equal(VsockHeader.ShutdownReceive | VsockHeader.ShutdownSend, shutdown.Flags);
        Assert.Equal(0, guest.Device.ConnectionCount);
    }

    [Fact]
    public void GuestConnect_WithoutHandlerIsRefused()
    {
        using var guest = new VsockTestGuest();
        guest.Send(guest.Header(VsockOp.Request, 5000, HostPort));
        (VsockHeader rst, _) = guest.Receive();
        Assert.Equal(VsockOp.Rst, rst.Op);
        Assert.Equal(5000u, rst.DestinationPort);
        Assert.Equal(HostPort, rst.SourcePort);
    }

    [Fact]
    public async Task HostSendsNoMoreThanTheGuestsCredit_AndAsksForMore()
    {
        using var guest = new VsockTestGuest();
        VsockStream stream = await Connect(guest, bufferAllocation: 1000);
        byte[] data = new byte[3000];
        new Random(5).NextBytes(data);
        Task write = stream.WriteAsync(data).AsTask();

        var received = new List<byte>();
        (VsockHeader first, byte[] payload) = guest.Receive();
        Assert.Equal(VsockOp.ReadWrite, first.Op);
        received.AddRange(payload);
        while (received.Count < 1000)
        {
            (first, payload) = guest.Receive();
            received.AddRange(payload);
        }

        Assert.Equal(1000, received.Count);
        Assert.Equal(VsockOp.CreditRequest, guest.Receive().Header.Op);
        Assert.Empty(guest.Drain());

        // The guest consumed everything: 2000 more may come, then it is stuck at 3000 total.
        guest.Send(guest.Header(VsockOp.CreditUpdate, GuestPort, stream.HostPort, bufferAllocation: 1000, forwardCount: 1000));
        while (received.Count < 2000)
        {
            received.AddRange(guest.Receive().Payload);
        }

        guest.Send(guest.Header(VsockOp.CreditUpdate, GuestPort, stream.HostPort, bufferAllocation: 2000, forwardCount: 2000));
        while (received.Count < 3000)
        {
            received.AddRange(guest.Receive().Payload);
        }

        await write.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public async Task GuestOverrunningOurCreditIsReset()
    {
        using var guest = new VsockTestGuest(bufferSize: 4096);
        VsockStream stream = await Connect(guest);
        byte[] chunk = new byte[3000];
        guest.Send(guest.Header(VsockOp.ReadWrite, GuestPort, stream.HostPort), chunk);
        guest.Send(guest.Header(VsockOp.ReadWrite, GuestPort, stream.HostPort), chunk);
        Assert.Equal(VsockOp.Rst, guest.ReceiveSkippingCredit().Header.Op);
        Assert.Equal(1, guest.Device.Counters.ProtocolViolations);

        // The bytes that arrived within credit are still readable, then the reset shows.
        byte[] buffer = new byte[8192];
        Assert.Equal(3000, await stream.ReadAsync(buffer));
        await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(buffer).AsTask());
    }

    [Fact]
    public async Task ReadingOnTheHostSendsCreditUpdates()
    {
        using var guest = new VsockTestGuest(bufferSize: 8192);
        VsockStream stream = await Connect(guest);
        byte[] chunk = new byte[5000];
        guest.Send(guest.Header(VsockOp.ReadWrite, GuestPort, stream.HostPort), chunk);
        Assert.Empty(guest.Drain());
        byte[] buffer = new byte[8192];
        int read = 0;
        while (read < 5000)
        {
            read += await stream.ReadAsync(buffer);
        }

        (VsockHeader update, _) = guest.Receive();
        Assert.Equal(VsockOp.CreditUpdate, update.Op);
        Assert.Equal(5000u, update.ForwardCount);
        Assert.Equal(8192u, update.BufferAllocation);
    }

    [Fact]
    public async Task CreditRequestIsAnswered()
    {
        using var guest = new VsockTestGuest();
        VsockStream stream = await Connect(guest);
        guest.Send(guest.Header(VsockOp.CreditRequest, GuestPort, stream.HostPort));
        (VsockHeader update, _) = guest.Receive();
        Assert.Equal(VsockOp.CreditUpdate, update.Op);
        Assert.Equal((uint)VirtioVsockDevice.DefaultBufferSize, update.BufferAllocation);
    }

    [Theory]
    [InlineData(VsockOp.Request)]
    [InlineData(VsockOp.Response)]
    [InlineData(VsockOp.Invalid)]
    [InlineData((VsockOp)99)]
    public async Task ViolationsResetTheConnection(VsockOp op)
    {
        using var guest = new VsockTestGuest();
        VsockStream stream = await Connect(guest);
        guest.Send(guest.Header(op, GuestPort, stream.HostPort));
        (VsockHeader rst, _) = guest.Receive();
        Assert.Equal(VsockOp.Rst, rst.Op);
        Assert.Equal(1, guest.Device.Counters.ProtocolViolations);
        Assert.Equal(0, guest.Device.ConnectionCount);
        await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[1]).AsTask());
    }

    [Fact]
    public async Task UnsupportedTypeIsReset()
    {
        using var guest = new VsockTestGuest();
        VsockStream stream = await Connect(guest);
        VsockHeader seqpacket = guest.Header(VsockOp.ReadWrite, GuestPort, stream.HostPort);
        seqpacket.Type = 2;
        guest.Send(seqpacket, new byte[10]);
        Assert.Equal(VsockOp.Rst, guest.Receive().Header.Op);
        Assert.Equal(0, guest.Device.ConnectionCount);
    }

    [Fact]
    public void PacketForNoConnectionGetsRst_ButRstDoesNot()
    {
        using var guest = new VsockTestGuest();
        guest.Send(guest.Header(VsockOp.ReadWrite, 9, 10), new byte[4]);
        (VsockHeader rst, _) = guest.Receive();
        Assert.Equal(VsockOp.Rst, rst.Op);
        Assert.Equal(9u, rst.DestinationPort);
        guest.Send(guest.Header(VsockOp.Rst, 9, 10));
        Assert.Empty(guest.Drain());
    }

    [Fact]
    public void MisaddressedAndMalformedPacketsAreDroppedAndCounted()
    {
        using var guest = new VsockTestGuest();
        VsockHeader wrongSource = guest.Header(VsockOp.Request, 1, 2);
        wrongSource.SourceCid = 99;
        guest.Send(wrongSource);
        VsockHeader wrongDestination = guest.Header(VsockOp.Request, 1, 2);
        wrongDestination.DestinationCid = 5;
        guest.Send(wrongDestination);
        Assert.Equal(2, guest.Device.Counters.MisaddressedPackets);

        // Too short for a header; a device-writable buffer on tx; a length past the buffers.
        guest.SendChain((guest.TxArea, 20, false));
        guest.SendChain((guest.TxArea, VsockHeader.Size, false), (guest.TxArea + 64, 16, true));
        VsockHeader longer = guest.Header(VsockOp.ReadWrite, 1, 2);
        longer.Length = 100;
        guest.Send(longer, new byte[10]);
        Assert.Equal(3, guest.Device.Counters.MalformedPackets);
        Assert.Empty(guest.Drain());
        Assert.Equal(0u, guest.Driver.Status & VirtioDeviceStatus.DeviceNeedsReset);
    }

    [Fact]
    public async Task PayloadSplitAcrossBuffersIsReassembled()
    {
        using var guest = new VsockTestGuest();
        VsockStream stream = await Connect(guest);
        VsockHeader header = guest.Header(VsockOp.ReadWrite, GuestPort, stream.HostPort);
        header.Length = 300;
        byte[] raw = new byte[VsockHeader.Size + 300];
        header.Write(raw);
        for (int i = 0; i < 300; i++)
        {
            raw[VsockHeader.Size + i] = (byte)i;
        }

        // Header split in two buffers, payload in a third and fourth.
        guest.Driver.WriteBytes(guest.TxArea, raw);
        guest.SendChain((guest.TxArea, 10, false), (guest.TxArea + 10, 100, false), (guest.TxArea + 110, (uint)raw.Length - 110, false));
        byte[] buffer = new byte[300];
        int read = 0;
        while (read < 300)
        {
            read += await stream.ReadAsync(buffer.AsMemory(read));
        }

        Assert.Equal(raw[VsockHeader.Size..], buffer);
    }

    [Fact]
    public async Task DeviceResetFailsOpenStreams()
    {
        using var guest = new VsockTestGuest();
        VsockStream stream = await Connect(guest);
        Task<int> read = stream.ReadAsync(new byte[8]).AsTask();
        guest.Driver.Write(VirtioMmioRegister.Status, 0);
        await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, guest.Device.ConnectionCount);
    }

    [Fact]
    public async Task BulkTransferBothWaysIsByteExact()
    {
        using var guest = new VsockTestGuest();
        VsockStream stream = await Connect(guest, bufferAllocation: 16384);
        byte[] data = new byte[200_000];
        new Random(9).NextBytes(data);
        Task write = stream.WriteAsync(data).AsTask();
        var received = new List<byte>();
        uint consumed = 0;
        while (received.Count < data.Length)
        {
            (VsockHeader header, byte[] payload) = guest.Receive();
            if (header.Op == VsockOp.ReadWrite)
            {
                received.AddRange(payload);
                consumed += (uint)payload.Length;
                guest.Send(guest.Header(VsockOp.CreditUpdate, GuestPort, stream.HostPort, bufferAllocation: 16384, forwardCount: consumed));
            }
        }

        await write.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(data, received.ToArray());
    }

    private static async Task<VsockStream> Connect(VsockTestGuest guest, uint bufferAllocation = 65536)
    {
        Task<VsockStream> connect = guest.Device.ConnectAsync(GuestPort);
        (VsockHeader request, _) = guest.Receive();
        guest.Send(guest.Header(VsockOp.Response, GuestPort, request.SourcePort, bufferAllocation));
        return await connect.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
