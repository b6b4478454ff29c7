using System.Runtime.InteropServices;

namespace Vireo.Machine;

/// <summary>The calling thread's kernel id (Linux <c>gettid</c>), for per-thread accounting in /proc.</summary>
internal static partial class NativeThread
{
    public static int CurrentId() => GetTid();

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
