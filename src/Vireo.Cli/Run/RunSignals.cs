using System.Runtime.InteropServices;

namespace Vireo.Cli.Run;

/// <summary>
/// SIGINT and SIGTERM to <c>vireo run</c>: the first one stops the VM in order (the host flushes and closes every
/// disk, the terminal is restored) instead of killing the process; a second one takes the default action and ends
/// the process at once, for a stop that hangs.
/// </summary>
internal sealed class RunSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private Action? _stop;
    private int _signal;

    public RunSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Handle(context, 2)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Handle(context, 15)),
        ];
    }

    /// <summary>The number of the first signal received (2 SIGINT, 15 SIGTERM); 0 when none came.</summary>
    public int Received => Volatile.Read(ref _signal);

    /// <summary>Sets what the first signal does; runs it at once when a signal already came. It may run twice.</summary>
    public void OnSignal(Action stop)
    {
        Volatile.Write(ref _stop, stop);
        if (Received != 0)
        {
            stop();
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Handle(PosixSignalContext context, int number)
    {
        if (Interlocked.CompareExchange(ref _signal, number, 0) != 0)
        {
            return; // the second signal: the default action ends the process
        }

        context.Cancel = true;
        Volatile.Read(ref _stop)?.Invoke();
    }
}
