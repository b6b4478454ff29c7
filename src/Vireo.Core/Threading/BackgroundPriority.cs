using System.Runtime.InteropServices;

namespace Vireo.Core.Threading;

/// <summary>
/// Lowers the calling thread's scheduling priority, for work that should only use CPU the vCPU and I/O threads leave
/// idle (compiling guest code). .NET's <see cref="Thread.Priority"/> does nothing on Linux, so this sets the thread's
/// nice value directly; raising it needs no privilege.
/// </summary>
public static partial class BackgroundPriority
{
    /// <summary>The nice value given to background threads (0 is normal, 19 the lowest).</summary>
    public const int Nice = 10;

    private const int PrioProcess = 0;

    /// <summary>Gives the calling thread <see cref="Nice"/>; returns false where the host does not allow it (the thread then keeps its priority).</summary>
    public static bool LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        // On Linux a thread is a task with its own nice value: PRIO_PROCESS with the thread id changes this thread only.
        return SetPriority(PrioProcess, GetThreadId(), Nice) == 0;
    }

    /// <summary>The calling thread's current nice value (Linux), for tests.</summary>
    public static int CurrentThreadNice()
    {
        Marshal.SetLastPInvokeError(0);
        return GetPriority(PrioProcess, GetThreadId());
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static partial int GetPriority(int which, int who);
}
