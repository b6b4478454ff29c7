namespace Vireo.Host.Lifecycle;

/// <summary>Where a VM is in its life (see <see cref="VmStateMachine"/> for the transitions).</summary>
public enum VmState
{
    /// <summary>Defined, never started.</summary>
    Created,

    /// <summary>Being built and booted.</summary>
    Starting,

    /// <summary>Its harts run guest code.</summary>
    Running,

    /// <summary>Every hart parked, guest clock frozen, devices quiet.</summary>
    Paused,

    /// <summary>A stop was asked for; waiting for the guest to power off (graceful) or the harts to end.</summary>
    Stopping,

    /// <summary>Not running; every resource released. Can be started again.</summary>
    Stopped,

    /// <summary>Not running because of a failure (panic, stuck hart, host-side error); can be started again.</summary>
    Crashed,
}
