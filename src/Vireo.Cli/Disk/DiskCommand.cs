using System.CommandLine;

namespace Vireo.Cli.Disk;

/// <summary><c>vireo disk</c>: create, inspect, check and convert disk images (raw, qcow2).</summary>
internal static class DiskCommand
{
    public static Command Create()
    {
        var disk = new Command("disk", "Create, inspect, check and convert disk images (raw, qcow2).");
        disk.Subcommands.Add(DiskCreateCommand.Create());
        disk.Subcommands.Add(DiskInfoCommand.Create());
        disk.Subcommands.Add(DiskCheckCommand.Create());
        disk.Subcommands.Add(DiskConvertCommand.Create());
        return disk;
    }
}
