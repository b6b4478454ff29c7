using Vireo.Host.Specs;

namespace Vireo.Cli.Run;

/// <summary>Says a spec problem in the words of <c>vireo run</c>'s options (<c>disks[1].path</c> becomes <c>--disk</c>).</summary>
internal static class SpecErrors
{
    public static string Describe(SpecError error)
    {
        string path = error.Path;
        string option = path switch
        {
            _ when path.StartsWith("disks", StringComparison.Ordinal) => "--disk",
            _ when path.StartsWith("nics", StringComparison.Ordinal) => "--net",
            "firmware" => "--bios",
            "$" => string.Empty,
            _ => "--" + path,
        };

        return option.Length == 0 ? error.Message : $"{option}: {error.Message}";
    }
}
