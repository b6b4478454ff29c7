using System.CommandLine;
using Vireo.Storage;

namespace Vireo.Cli.Disk;

/// <summary><c>vireo disk convert --to raw|qcow2 SRC DST</c>: a standalone copy read through the whole backing chain.</summary>
internal static class DiskConvertCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to", "-O") { Description = "Output format: raw or qcow2.", Required = true };
        var from = new Option<string?>("--format", "-f") { Description = "Input format (default: probed)." };
        var source = new Argument<string>("SRC") { Description = "The image to read (with its backing chain)." };
        var destination = new Argument<string>("DST") { Description = "The image to write (must not exist)." };
        var command = new Command("convert", "Convert an image to a standalone raw or qcow2 image; zero regions stay sparse.")
        {
            to, from, source, destination,
        };
        command.SetAction(parse => DiskErrors.Run(parse, output =>
        {
            DiskFormat target = DiskErrors.ParseFormat(parse.GetValue(to), "--to")!.Value;
            string dst = parse.GetValue(destination)!;
            DiskImage.Convert(parse.GetValue(source)!, DiskErrors.ParseFormat(parse.GetValue(from), "--format"), dst, target);
            output.WriteLine($"converted to {dst} ({DiskImage.FormatName(target)})");
            return ExitCodes.Success;
        }));
        return command;
    }
}
