using Vireo.Core.Throttling;
using Vireo.Storage;

namespace Vireo.Cli.Run;

/// <summary>
/// A parsed <c>--disk PATH[,format=raw|qcow2][,readonly=on|off][,cache=writeback|none|unsafe]</c> value.
/// <see cref="ReadOnly"/> is null when not given: writable unless the image is damaged (then read-only, with a warning);
/// an explicit <c>readonly=off</c> refuses a damaged image instead.
/// </summary>
internal sealed record DiskSpec(string Path, DiskFormat? Format, bool? ReadOnly, DiskCacheMode Cache = DiskCacheMode.Writeback)
{
    /// <summary>I/O limits and weight (<see cref="DiskLimitParser"/> keys).</summary>
    public DiskLimitOptions Limits { get; init; } = DiskLimitOptions.None;

    private const string Usage = "format=raw|qcow2, readonly=on|off, cache=writeback|none|unsafe";

    /// <summary>Parses a specification; bad input raises <see cref="UserErrorException"/> with one line.</summary>
    public static DiskSpec Parse(string text)
    {
        string[] parts = text.Split(',');
        string path = parts[0];
        if (path.Length == 0)
        {
            throw new UserErrorException("--disk: a file path is required (--disk PATH[,format=raw|qcow2][,readonly=on][,cache=writeback|none|unsafe])");
        }

        DiskFormat? format = null;
        bool? readOnly = null;
        DiskCacheMode cache = DiskCacheMode.Writeback;
        var limits = new DiskLimitParser(path);
        for (int i = 1; i < parts.Length; i++)
        {
            string[] pair = parts[i].Split('=', 2);
            string value = pair.Length == 2 ? pair[1] : string.Empty;
            switch (pair[0])
            {
                case "format" when value is "raw" or "qcow2":
                    format = DiskImage.ParseFormat(value);
                    break;
                case "readonly" when value is "on" or "off":
                    readOnly = value == "on";
                    break;
                case "cache" when value is "writeback" or "none" or "unsafe":
                    cache = DiskImage.ParseCacheMode(value);
                    break;
                case string key when limits.TryAdd(key, value):
                    break;
                default:
                    throw new UserErrorException($"--disk {path}: unknown option '{parts[i]}' ({Usage}, {DiskLimitParser.Usage})");
            }
        }

        if (Directory.Exists(path))
        {
            throw new UserErrorException($"--disk: {path}: is a directory");
        }

        if (!File.Exists(path))
        {
            throw new UserErrorException($"--disk: {path}: no such file");
        }

        return new DiskSpec(path, format, readOnly, cache) { Limits = limits.Build() };
    }
}
