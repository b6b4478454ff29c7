namespace Vireo.Network.User;

/// <summary>Guest data that arrived ahead of a hole in the sequence space, kept until the hole is filled.</summary>
internal sealed record OutOfOrderSegment(uint Sequence, byte[] Data);
