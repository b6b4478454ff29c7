using Vireo.Cli.Guest;
using Vireo.Host.Building;

namespace Vireo.Cli.Serve;

/// <summary>The default guest for the daemon: found in the cache, never built on demand (a start would block for minutes).</summary>
internal sealed class LocatedGuestImages : IGuestImageSource
{
    public GuestImages? TryGetDefault(out string error)
    {
        if (GuestArtifacts.TryLocate(out GuestArtifacts? artifacts, out error) && artifacts is not null)
        {
            return new GuestImages(artifacts.Kernel, artifacts.Initrd);
        }

        error = $"the default guest is not built ({error}); give the VM a kernel or run ./vireo guest build";
        return null;
    }
}
