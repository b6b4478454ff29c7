namespace Vireo.Cli.Guest;

/// <summary>
/// The files of a built default guest (see <c>guest/build.sh</c>): the Linux <c>Image</c>, the initramfs, the ext4
/// root disk and the manifest listing their sha256 values. Other commands use it for their defaults, for example
/// <c>vireo run</c> boots <see cref="Kernel"/> with <see cref="Initrd"/>.
/// </summary>
internal sealed class GuestArtifacts
{
    /// <summary>File name of the kernel image.</summary>
    public const string KernelFileName = "Image";

    /// <summary>File name of the gzip-compressed newc initramfs.</summary>
    public const string InitrdFileName = "initramfs.cpio.gz";

    /// <summary>File name of the ext4 root disk holding the same tree as the initramfs.</summary>
    public const string RootDiskFileName = "rootfs.ext4";

    /// <summary>File name of the manifest (sha256 and size of each artifact, Debian package versions).</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>Wraps an artifacts directory; it does not check that the files exist.</summary>
    public GuestArtifacts(string directory)
    {
        Directory = directory;
    }

    /// <summary>The artifacts directory, <c>$XDG_CACHE_HOME/vireo/guest/&lt;inputs hash&gt;</c>.</summary>
    public string Directory { get; }

    /// <summary>The Linux 6.1 riscv64 <c>Image</c>.</summary>
    public string Kernel => Path.Combine(Directory, KernelFileName);

    /// <summary>The initramfs (<c>initramfs.cpio.gz</c>) whose <c>/init</c> is the Vireo guest init.</summary>
    public string Initrd => Path.Combine(Directory, InitrdFileName);

    /// <summary>The ext4 root disk (<c>rootfs.ext4</c>).</summary>
    public string RootDisk => Path.Combine(Directory, RootDiskFileName);

    /// <summary>The static riscv64 BusyBox binary used in the root file system.</summary>
    public string Busybox => Path.Combine(Directory, "busybox");

    /// <summary>The manifest (<c>manifest.json</c>).</summary>
    public string Manifest => Path.Combine(Directory, ManifestFileName);

    /// <summary>Finds the artifacts built for the current inputs of <c>guest/</c>.</summary>
    /// <param name="artifacts">The artifacts when they are built.</param>
    /// <param name="error">A one-line explanation (with the command to run) when they are not.</param>
    public static bool TryLocate(out GuestArtifacts? artifacts, out string error)
    {
        artifacts = null;
        GuestBuildScript? script = GuestBuildScript.TryLocate();
        if (script is null)
        {
            error = "cannot find guest/build.sh: run vireo from its repository to use the default guest";
            return false;
        }

        if (!script.TryGetArtifactsDirectory(out string directory, out error))
        {
            return false;
        }

        artifacts = new GuestArtifacts(directory);
        return true;
    }

    /// <summary>Like <see cref="TryLocate"/>, but throws <see cref="GuestBuildException"/> when not built.</summary>
    public static GuestArtifacts Locate()
    {
        return TryLocate(out GuestArtifacts? artifacts, out string error)
            ? artifacts!
            : throw new GuestBuildException(error);
    }
}
