using Vireo.Cli.Run;
using Vireo.Storage;

namespace Vireo.Cli.Disk;

/// <summary>Opens a <c>--disk</c> image for <c>vireo run</c>: warnings go to stderr, failures become one-line bad input.</summary>
internal static class DiskOpener
{
    /// <summary>
    /// Opens <paramref name="spec"/>'s image. Without <c>readonly=</c> a damaged qcow2 opens read-only with a warning;
    /// <see cref="IBlockDevice.IsReadOnly"/> says which it got.
    /// </summary>
    /// <exception cref="UserErrorException">The image cannot be opened as asked.</exception>
    public static IBlockDevice Open(DiskSpec spec, TextWriter warnings)
    {
        try
        {
            return DiskImage.Open(spec.Path, spec.Format, spec.ReadOnly, spec.Cache, message => warnings.WriteLine($"vireo: warning: --disk {message}"));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UserErrorException($"--disk {spec.Path}: {e.Message}");
        }
    }
}
