namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// One stream connection between a host port and a guest port, with both sides' credit (virtio 1.2, 5.10.6.3): the
/// guest may have at most our <see cref="BufferAllocation"/> bytes unconsumed in <see cref="Inbound"/>, and we send
/// at most <c>PeerBufferAllocation − (TransmitCount − PeerForwardCount)</c>. State is guarded by the device's lock.
/// </summary>
internal sealed class VsockConnection
{
    public VsockConnection(uint hostPort, uint guestPort, VsockConnectionState state, int bufferSize)
    {
        HostPort = hostPort;
        GuestPort = guestPort;
        State = state;
        BufferAllocation = (uint)bufferSize;
        Inbound = new VsockRing(bufferSize);
        Outbound = new VsockRing(bufferSize);
    }

    public uint HostPort { get; }

    public uint GuestPort { get; }

    public ulong Key => Keys(HostPort, GuestPort);

    public VsockConnectionState State { get; set; }

    /// <summary>Guest → host bytes, read by the host stream.</summary>
    public VsockRing Inbound { get; }

    /// <summary>Host → guest bytes, written by the host stream and sent by the worker as credit allows.</summary>
    public VsockRing Outbound { get; }

    /// <summary>Our receive buffer size, advertised in every packet.</summary>
    public uint BufferAllocation { get; }

    /// <summary>Bytes the host side consumed from <see cref="Inbound"/> (mod 2³²).</summary>
    public uint ForwardCount { get; set; }

    /// <summary>Bytes received from the guest (mod 2³²).</summary>
    public uint ReceiveCount { get; set; }

    /// <summary>The forward count the guest last heard from us.</summary>
    public uint AdvertisedForwardCount { get; set; }

    /// <summary>Bytes sent to the guest (mod 2³²).</summary>
    public uint TransmitCount { get; set; }

    /// <summary>The guest's receive buffer size, from its latest packet.</summary>
    public uint PeerBufferAllocation { get; set; }

    /// <summary>The guest's forward count, from its latest packet.</summary>
    public uint PeerForwardCount { get; set; }

    /// <summary>A CREDIT_REQUEST went out and no credit arrived since.</summary>
    public bool CreditRequested { get; set; }

    /// <summary>A CREDIT_UPDATE is queued.</summary>
    public bool CreditUpdateQueued { get; set; }

    /// <summary>In the device's send-ready list.</summary>
    public bool InReadyList { get; set; }

    /// <summary>We told the guest we send no more (SHUTDOWN with SEND).</summary>
    public bool SentShutdown { get; set; }

    /// <summary>The host stream was disposed: once <see cref="Outbound"/> drains, the connection ends.</summary>
    public bool HostClosed { get; set; }

    /// <summary>The guest will send no more.</summary>
    public bool PeerShutdownSend { get; set; }

    /// <summary>Completes a host-initiated connect.</summary>
    public TaskCompletionSource<VsockStream>? Connect { get; set; }

    /// <summary>The host-side stream, once connected.</summary>
    public VsockStream? Stream { get; set; }

    /// <summary>Bytes the guest may still send us before it overruns our buffer.</summary>
    public uint ReceiveRoom => BufferAllocation - (ReceiveCount - ForwardCount);

    /// <summary>Bytes we may send the guest now.</summary>
    public uint PeerCredit
    {
        get
        {
            // A guest that claims to have consumed more than we sent is lying; unsigned wrap keeps the sum bounded.
            uint inFlight = TransmitCount - PeerForwardCount;
            return inFlight >= PeerBufferAllocation ? 0 : PeerBufferAllocation - inFlight;
        }
    }

    public static ulong Keys(uint hostPort, uint guestPort) => ((ulong)hostPort << 32) | guestPort;
}
