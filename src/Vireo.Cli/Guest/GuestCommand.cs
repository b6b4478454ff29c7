using System.CommandLine;

namespace Vireo.Cli.Guest;

/// <summary><c>vireo guest build</c> and <c>vireo guest path</c>: the default guest images.</summary>
internal static class GuestCommand
{
    /// <summary>Creates the <c>guest</c> command with its sub-commands.</summary>
    public static Command Create()
    {
        var build = new Command(
            "build",
            "Build the default guest (Linux 6.1 Image, BusyBox initramfs and ext4 root disk) from Debian packages, "
            + "or reuse the cached build; the last line printed is the artifacts directory.");
        build.SetAction(_ => Build());

        var path = new Command("path", "Print the artifacts directory of the current guest inputs (exit 1 if not built).");
        path.SetAction(_ => PrintPath());

        var guest = new Command("guest", "Build and locate the default guest images.");
        guest.Subcommands.Add(build);
        guest.Subcommands.Add(path);
        return guest;
    }

    private static int Build()
    {
        // The script prints its own progress lines and one clear error line on failure.
        int exitCode = GuestBuildScript.Locate().Build();
        return exitCode == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static int PrintPath()
    {
        if (!GuestArtifacts.TryLocate(out GuestArtifacts? artifacts, out string error))
        {
            Console.Error.WriteLine($"vireo: {error}");
            return ExitCodes.Failure;
        }

        Console.Out.WriteLine(artifacts!.Directory);
        return ExitCodes.Success;
    }
}
