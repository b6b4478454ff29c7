using Vireo.Network.Switching;
using Vireo.Network.Tap;
using Vireo.Network.User;

namespace Vireo.Network;

/// <summary>Turns a parsed <c>--net</c> specification into a back-end.</summary>
public static class NetworkBackendFactory
{
    /// <summary>Creates the back-end <paramref name="spec"/> names.</summary>
    /// <exception cref="NetworkOptionsException">The back-end cannot be opened (port taken, no switch, no TAP privilege).</exception>
    public static INetworkBackend Create(NetworkSpec spec, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            NetworkBackendKind.User => new UserNetworkBackend(spec.User ?? new UserNetworkOptions(), timeProvider),
            NetworkBackendKind.Switch => new SwitchClientBackend(spec.Target!),
            NetworkBackendKind.Tap => new TapBackend(spec.Target!),
            _ => throw new NetworkOptionsException($"--net: unsupported back-end {spec.Kind}"),
        };
    }
}
