namespace Vireo.Network.User;

/// <summary>
/// A RST for a connection already forgotten that the guest's NIC refused; retried on the loop's tick until
/// <paramref name="Deadline"/> (milliseconds on the back-end's clock).
/// </summary>
internal readonly record struct PendingReset(FlowKey Key, uint Sequence, uint Acknowledgment, long Deadline);
