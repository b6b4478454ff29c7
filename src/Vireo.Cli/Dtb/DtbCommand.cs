using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Machine.DeviceTree;

namespace Vireo.Cli.Dtb;

/// <summary><c>vireo dtb</c>: writes the device tree blob the VM would give the guest.</summary>
internal static class DtbCommand
{
    public static Command Create()
    {
        var memory = new Option<string>("--memory") { Description = "Guest RAM size (16M to 64G), e.g. 256M or 4G.", DefaultValueFactory = _ => "256M" };
        var cpus = new Option<int>("--cpus") { Description = "Number of harts.", DefaultValueFactory = _ => 1 };
        var append = new Option<string?>("--append") { Description = "Kernel command line (/chosen/bootargs)." };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "Initrd file: its size is described at the address the VM loads it." };
        var initrdStart = new Option<string?>("--initrd-start") { Description = "Initrd start address (with --initrd-end)." };
        var initrdEnd = new Option<string?>("--initrd-end") { Description = "Address just past the initrd." };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the DTB.", Required = true };

        var command = new Command("dtb", "Write the virt board's device tree blob (as `run` would build it) to a file.")
        {
            memory,
            cpus,
            append,
            initrd,
            initrdStart,
            initrdEnd,
            output,
        };

        command.SetAction(parse =>
        {
            ulong ram = MachineLimits.ParseMemory(parse.GetValue(memory));
            int harts = MachineLimits.CheckCpus(parse.GetValue(cpus));
            (ulong? start, ulong? end) = ResolveInitrd(parse.GetValue(initrd), parse.GetValue(initrdStart), parse.GetValue(initrdEnd), ram);
            byte[] dtb = VirtDeviceTree.Build(new VirtBoardDescription
            {
                RamSize = ram,
                HartCount = harts,
                BootArgs = parse.GetValue(append),
                InitrdStart = start,
                InitrdEnd = end,
            });
            WriteAtomically(parse.GetValue(output)!.FullName, dtb);
            return ExitCodes.Success;
        });
        return command;
    }

    private static (ulong? Start, ulong? End) ResolveInitrd(FileInfo? file, string? startText, string? endText, ulong ram)
    {
        if (file is not null)
        {
            if (startText is not null || endText is not null)
            {
                throw new UserErrorException("--initrd cannot be combined with --initrd-start/--initrd-end.");
            }

            if (!file.Exists)
            {
                throw new UserErrorException($"--initrd: {file.FullName} does not exist.");
            }

            ulong start = VirtDeviceTree.DefaultInitrdStart(0x8000_0000, ram);
            ulong end = start + (ulong)file.Length;
            if (end > 0x8000_0000 + ram)
            {
                throw new UserErrorException($"--initrd: {file.Name} ({file.Length} bytes) does not fit in guest RAM.");
            }

            return (start, end);
        }

        if ((startText is null) != (endText is null))
        {
            throw new UserErrorException("--initrd-start and --initrd-end go together.");
        }

        if (startText is null)
        {
            return (null, null);
        }

        ulong first = SizeParser.Parse(startText, "--initrd-start");
        ulong last = SizeParser.Parse(endText, "--initrd-end");
        if (last < first)
        {
            throw new UserErrorException("--initrd-end is below --initrd-start.");
        }

        return (first, last);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Nothing was created (for example the directory does not exist).
        }
    }

    private static void WriteAtomically(string path, byte[] data)
    {
        // Temp file + fsync + rename: a crash never leaves a half-written DTB under the final name.
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(data);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new UserErrorException($"--out: cannot write {path}: {error.Message}", error);
        }
    }
}
