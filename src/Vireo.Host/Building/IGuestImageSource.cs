namespace Vireo.Host.Building;

/// <summary>Where the default guest comes from when a spec names no kernel (the CLI builds it on first use; the daemon only looks).</summary>
public interface IGuestImageSource
{
    /// <summary>The default guest's images, or null with a one-line <paramref name="error"/> saying how to get them.</summary>
    GuestImages? TryGetDefault(out string error);
}
