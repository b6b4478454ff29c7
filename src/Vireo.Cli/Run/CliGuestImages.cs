using Vireo.Cli.Guest;
using Vireo.Host.Building;

namespace Vireo.Cli.Run;

/// <summary>The default guest for <c>vireo run</c>: built on first use (about 15 minutes), then found in the cache.</summary>
internal sealed class CliGuestImages : IGuestImageSource
{
    public GuestImages? TryGetDefault(out string error)
    {
        error = string.Empty;
        if (GuestArtifacts.TryLocate(out GuestArtifacts? artifacts, out _) && artifacts is not null)
        {
            return new GuestImages(artifacts.Kernel, artifacts.Initrd);
        }

        System.Console.Error.WriteLine("vireo: the default guest is not built yet; building it now (first time about 15 minutes)");
        if (GuestBuildScript.Locate().Build() != 0)
        {
            throw new GuestBuildException("building the default guest failed (see the messages above)");
        }

        artifacts = GuestArtifacts.Locate();
        return new GuestImages(artifacts.Kernel, artifacts.Initrd);
    }
}
