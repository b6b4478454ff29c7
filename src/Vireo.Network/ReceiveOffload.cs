namespace Vireo.Network;

/// <summary>What a back-end guarantees about a frame it hands to the guest (virtio-net receive header semantics).</summary>
/// <param name="ChecksumsValid">
/// The IPv4 header and TCP/UDP checksums are correct (the back-end built them), so the guest need not verify them.
/// </param>
/// <param name="TcpSegmentSize">
/// 0 for an ordinary frame; otherwise the frame is one TCP/IPv4 segment whose payload may exceed this many bytes, to be
/// treated as consecutive segments of this size (only when <see cref="IFrameReceiver.AcceptsLargeTcpSegments"/>).
/// </param>
public readonly record struct ReceiveOffload(bool ChecksumsValid, int TcpSegmentSize);
