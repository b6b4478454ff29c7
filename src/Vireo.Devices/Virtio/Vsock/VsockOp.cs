namespace Vireo.Devices.Virtio.Vsock;

/// <summary>Packet operations of virtio-vsock (virtio 1.2, section 5.10.6).</summary>
public enum VsockOp : ushort
{
    /// <summary>VIRTIO_VSOCK_OP_INVALID: never valid on the wire.</summary>
    Invalid = 0,

    /// <summary>Connection request.</summary>
    Request = 1,

    /// <summary>Connection accepted.</summary>
    Response = 2,

    /// <summary>Connection reset (refused, closed, or a protocol violation).</summary>
    Rst = 3,

    /// <summary>The sender will not receive (flag 1) and/or send (flag 2) any more.</summary>
    Shutdown = 4,

    /// <summary>Data.</summary>
    ReadWrite = 5,

    /// <summary>Unsolicited credit (buf_alloc/fwd_cnt) update.</summary>
    CreditUpdate = 6,

    /// <summary>Asks the peer for a credit update.</summary>
    CreditRequest = 7,
}
