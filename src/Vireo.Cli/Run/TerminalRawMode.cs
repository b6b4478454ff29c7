using System.Runtime.InteropServices;

namespace Vireo.Cli.Run;

/// <summary>
/// Puts the controlling terminal in raw mode (every key goes to the guest, Ctrl-C included) and restores it on every
/// exit path: dispose, process exit, and SIGTERM/SIGHUP/SIGQUIT.
/// </summary>
internal sealed unsafe partial class TerminalRawMode : IDisposable
{
    private const int StdinFd = 0;
    private const int TcsaNow = 0;

    // glibc's struct termios is 60 bytes; a larger buffer keeps us safe on other layouts.
    private const int TermiosSize = 256;

    private readonly byte[] _saved = new byte[TermiosSize];
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _restored;

    private TerminalRawMode()
    {
    }

    /// <summary>Enters raw mode when stdin is a terminal; otherwise returns null and changes nothing.</summary>
    public static TerminalRawMode? TryEnter()
    {
        if (Isatty(StdinFd) != 1)
        {
            return null;
        }

        var mode = new TerminalRawMode();
        byte* raw = stackalloc byte[TermiosSize];
        fixed (byte* saved = mode._saved)
        {
            if (Tcgetattr(StdinFd, saved) != 0)
            {
                return null;
            }

            new ReadOnlySpan<byte>(saved, TermiosSize).CopyTo(new Span<byte>(raw, TermiosSize));
        }

        Cfmakeraw(raw);
        if (Tcsetattr(StdinFd, TcsaNow, raw) != 0)
        {
            return null;
        }

        AppDomain.CurrentDomain.ProcessExit += mode.OnProcessExit;
        foreach (PosixSignal signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
        {
            mode._signals.Add(PosixSignalRegistration.Create(signal, _ => mode.Restore()));
        }

        return mode;
    }

    /// <summary>Restores the terminal settings saved on entry (idempotent, thread-safe).</summary>
    public void Restore()
    {
        if (Interlocked.Exchange(ref _restored, 1) != 0)
        {
            return;
        }

        fixed (byte* saved = _saved)
        {
            _ = Tcsetattr(StdinFd, TcsaNow, saved);
        }
    }

    public void Dispose()
    {
        Restore();
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (PosixSignalRegistration registration in _signals)
        {
            registration.Dispose();
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Restore();

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int Isatty(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int Tcgetattr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int Tcsetattr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void Cfmakeraw(byte* termios);
}
