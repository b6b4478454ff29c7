namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// A payload-less packet waiting for a receive buffer. The credit fields are captured when it is queued and refreshed
/// from the connection when it is sent, if the connection still exists.
/// </summary>
internal readonly record struct VsockControlPacket(VsockOp Op, uint HostPort, uint GuestPort, uint Flags, uint BufferAllocation, uint ForwardCount);
