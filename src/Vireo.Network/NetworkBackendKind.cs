namespace Vireo.Network;

/// <summary>Which back-end a <c>--net</c> specification selects.</summary>
public enum NetworkBackendKind
{
    /// <summary>User-mode NAT (<c>user</c>).</summary>
    User,

    /// <summary>A port on a virtual switch served on a Unix socket (<c>switch:PATH</c>).</summary>
    Switch,

    /// <summary>A host TAP interface (<c>tap:IFNAME</c>).</summary>
    Tap,
}
