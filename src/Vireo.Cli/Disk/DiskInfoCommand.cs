using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Storage;

namespace Vireo.Cli.Disk;

/// <summary><c>vireo disk info PATH</c>: format, sizes, cluster size and the backing chain.</summary>
internal static class DiskInfoCommand
{
    public static Command Create()
    {
        var format = new Option<string?>("--format", "-f") { Description = "Image format (default: probed)." };
        var path = new Argument<string>("PATH") { Description = "The image." };
        var command = new Command("info", "Show an image's format, virtual size, allocated bytes, cluster size and backing chain.") { format, path };
        command.SetAction(parse => DiskErrors.Run(parse, output =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            DiskImageInfo? info = DiskImage.Inspect(
                parse.GetValue(path)!, DiskErrors.ParseFormat(parse.GetValue(format), "--format"), message => error.WriteLine($"vireo: warning: {message}"));
            int depth = 0;
            while (info is not null)
            {
                string indent = new(' ', depth * 2);
                output.WriteLine($"{indent}image:          {info.Path}");
                output.WriteLine($"{indent}format:         {DiskImage.FormatName(info.Format)}");
                output.WriteLine($"{indent}virtual size:   {SizeParser.Format(info.VirtualSize)} ({info.VirtualSize} bytes)");
                output.WriteLine($"{indent}allocated:      {SizeParser.Format((ulong)info.AllocatedBytes)} ({info.AllocatedBytes} bytes)");
                if (info.ClusterSize is { } cluster)
                {
                    output.WriteLine($"{indent}cluster size:   {cluster}");
                }

                if (info.BackingFile is not null)
                {
                    output.WriteLine($"{indent}backing file:   {info.BackingFile}" + (info.BackingFormat is null ? string.Empty : $" (format {info.BackingFormat})"));
                }

                info = info.Backing;
                depth++;
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
