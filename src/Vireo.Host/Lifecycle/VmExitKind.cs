namespace Vireo.Host.Lifecycle;

/// <summary>Why a VM's run ended (typed: callers never match message text).</summary>
public enum VmExitKind
{
    /// <summary>The guest powered off.</summary>
    PowerOff,

    /// <summary>The guest reset and the spec says not to reboot.</summary>
    Reset,

    /// <summary>The guest reported a failure code (SiFive test device, SBI reset for a failure).</summary>
    GuestFailure,

    /// <summary>The guest kernel panicked.</summary>
    Panic,

    /// <summary>A hart could never make progress again (double fault).</summary>
    HartStuck,

    /// <summary>A host-side failure: a hart or device hit an internal error, or the VM could not be built or booted.</summary>
    HostError,

    /// <summary>The host stopped it (stop, kill, restart, daemon shutdown).</summary>
    StopRequested,
}
