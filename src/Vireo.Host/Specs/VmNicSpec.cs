namespace Vireo.Host.Specs;

/// <summary>One network card of a <see cref="VmSpec"/>.</summary>
public sealed record VmNicSpec
{
    /// <summary>
    /// The back-end in the <c>--net</c> grammar: <c>user[,hostfwd=tcp:127.0.0.1:8080-:80][,restrict=on]</c>,
    /// <c>switch:PATH</c> or <c>tap:IFNAME</c> (see <see cref="Network.NetworkSpec"/>), without the MAC.
    /// </summary>
    public string Backend { get; init; } = "user";

    /// <summary>The card's MAC (aa:bb:cc:dd:ee:ff); null derives a stable one from the VM's identity and the card's index.</summary>
    public string? Mac { get; init; }
}
