using System.Runtime.InteropServices;

namespace Vireo.Daemon;

/// <summary>The daemon's effective user id.</summary>
internal static partial class NativeUser
{
    public static uint EffectiveUid() => OperatingSystem.IsLinux() ? GetEuid() : 0;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
