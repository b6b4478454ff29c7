using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Storage;

namespace Vireo.Cli.Disk;

/// <summary><c>vireo disk create [--format raw|qcow2] [--size 1G] [--backing FILE] [--backing-format F] PATH</c>.</summary>
internal static class DiskCreateCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format", "-f") { Description = "Image format: raw or qcow2 (default qcow2).", DefaultValueFactory = _ => "qcow2" };
        var size = new Option<string?>("--size", "-s") { Description = "Virtual size, e.g. 10G, 1.5G, 512M, 0x100000 (binary units, as --memory). Defaults to the backing file's size." };
        var backing = new Option<string?>("--backing", "-b") { Description = "Backing file (qcow2 only); a relative path is relative to the new image's directory, as in QEMU." };
        var backingFormat = new Option<string?>("--backing-format", "-F") { Description = "Format of the backing file: raw or qcow2 (default: probed)." };
        var clusterSize = new Option<string?>("--cluster-size") { Description = "qcow2 cluster size, 512 to 2M (default 64K)." };
        var path = new Argument<string>("PATH") { Description = "The image to create (must not exist)." };
        var command = new Command("create", "Create a new disk image (sparse raw, or an empty qcow2 v3 possibly over a backing file).")
        {
            format, size, backing, backingFormat, clusterSize, path,
        };
        command.SetAction(parse => DiskErrors.Run(parse, output =>
        {
            DiskFormat imageFormat = DiskErrors.ParseFormat(parse.GetValue(format), "--format")!.Value;
            string? backingFile = parse.GetValue(backing);
            string? sizeText = parse.GetValue(size);
            ulong? bytes = sizeText is null ? null : SizeParser.Parse(sizeText, "--size");
            if (bytes == 0)
            {
                throw new UserErrorException($"--size: '{sizeText}' is zero; a disk needs at least one byte");
            }

            if (bytes is null && backingFile is null)
            {
                throw new UserErrorException("disk create: --size is required (or --backing to take the size from)");
            }

            int cluster = DiskImage.DefaultClusterSize;
            if (parse.GetValue(clusterSize) is { } clusterText)
            {
                ulong value = SizeParser.Parse(clusterText, "--cluster-size");
                if (value is < 512 or > (2 << 20) || !ulong.IsPow2(value))
                {
                    throw new UserErrorException($"--cluster-size {clusterText}: must be a power of two from 512 to 2M");
                }

                cluster = (int)value;
            }

            string target = parse.GetValue(path)!;
            DiskImage.Create(target, imageFormat, bytes, backingFile, DiskErrors.ParseFormat(parse.GetValue(backingFormat), "--backing-format"), cluster);
            DiskImageInfo info = DiskImage.Inspect(target, imageFormat);
            output.WriteLine($"created {target}: {DiskImage.FormatName(imageFormat)}, {SizeParser.Format(info.VirtualSize)} ({info.VirtualSize} bytes)"
                + (backingFile is null ? string.Empty : $", backing {backingFile}"));
            return ExitCodes.Success;
        }));
        return command;
    }
}
