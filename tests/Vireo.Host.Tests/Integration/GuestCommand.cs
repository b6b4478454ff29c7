using System.Text;

namespace Vireo.Host.Tests.Integration;

/// <summary>Kernel parameters that make the default guest's init run a shell command and power off with its status.</summary>
internal static class GuestCommand
{
    public static string Append(string command) => $"quiet vireo.exec={Convert.ToBase64String(Encoding.UTF8.GetBytes(command))}";
}
