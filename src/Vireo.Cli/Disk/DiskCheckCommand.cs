using System.CommandLine;
using Vireo.Storage;

namespace Vireo.Cli.Disk;

/// <summary>
/// <c>vireo disk check PATH</c>: rebuilds refcounts from the L1/L2 tables and compares. Exit codes follow
/// <c>qemu-img check</c>: 0 clean, 1 corruption found, 3 leaks only (wasted space, no damage), 2 bad input.
/// </summary>
internal static class DiskCheckCommand
{
    /// <summary>Leaked clusters but no corruption (same code as qemu-img).</summary>
    public const int LeaksOnly = 3;

    public static Command Create()
    {
        var format = new Option<string?>("--format", "-f") { Description = "Image format (default: probed)." };
        var path = new Argument<string>("PATH") { Description = "The image." };
        var command = new Command(
            "check",
            "Check an image's consistency. Exit 0: clean; 1: corruption; 3: leaked clusters only; 2: bad input.")
        {
            format, path,
        };
        command.SetAction(parse => DiskErrors.Run(parse, output =>
        {
            string image = parse.GetValue(path)!;
            DiskCheckResult result = DiskImage.Check(image, DiskErrors.ParseFormat(parse.GetValue(format), "--format"));
            foreach (string message in result.Messages)
            {
                output.WriteLine(message);
            }

            if (result.Format == DiskFormat.Raw)
            {
                output.WriteLine($"{image}: raw image, no metadata to check");
                return ExitCodes.Success;
            }

            output.WriteLine($"{image}: {result.AllocatedClusters}/{result.TotalClusters} clusters allocated, {result.Errors} error(s), {result.Leaks} leaked cluster(s)");
            return result.Errors > 0 ? ExitCodes.Failure : result.Leaks > 0 ? LeaksOnly : ExitCodes.Success;
        }));
        return command;
    }
}
