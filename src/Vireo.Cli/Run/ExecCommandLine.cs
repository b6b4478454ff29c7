using System.Text;

namespace Vireo.Cli.Run;

/// <summary>
/// Carries a shell command to the default guest's init on the kernel command line. Base64 survives the kernel's
/// command-line parsing (no spaces or quotes); the init reads it back from /proc/cmdline.
/// </summary>
internal static class ExecCommandLine
{
    /// <summary>The kernel parameter name the guest init looks for.</summary>
    public const string Parameter = "vireo.exec";

    /// <summary>The parameter that runs <paramref name="command"/> in the guest.</summary>
    public static string Encode(string command) => $"{Parameter}={Convert.ToBase64String(Encoding.UTF8.GetBytes(command))}";
}
