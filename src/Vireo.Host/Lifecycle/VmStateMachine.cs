namespace Vireo.Host.Lifecycle;

/// <summary>
/// The one table of which request may be made in which state. A request outside it is a
/// <see cref="VmStateException"/> (HTTP 409), never a partial action.
/// </summary>
/// <remarks>
/// <code>
///            start            pause
///  created ───────► starting ─► running ⇄ paused
///  stopped ──┘                   │  ▲ resume │
///  crashed ──┘                   │  └────────┘
///                      stop/kill │ (also from paused)
///                                ▼
///                            stopping ─► stopped | crashed
/// </code>
/// Kill is also allowed while stopping (it turns a graceful stop into a forced one). Delete and reconfigure need a
/// VM that is not running (created, stopped or crashed).
/// </remarks>
public static class VmStateMachine
{
    /// <summary>True when <paramref name="action"/> may be requested in <paramref name="state"/>.</summary>
    public static bool IsAllowed(VmState state, VmAction action) => action switch
    {
        VmAction.Start => state is VmState.Created or VmState.Stopped or VmState.Crashed,
        VmAction.Pause => state is VmState.Running,
        VmAction.Resume => state is VmState.Paused,
        VmAction.Stop => state is VmState.Running or VmState.Paused,
        VmAction.Kill => state is VmState.Running or VmState.Paused or VmState.Stopping,
        VmAction.Restart => state is VmState.Running or VmState.Paused,
        VmAction.Delete or VmAction.Reconfigure => state is VmState.Created or VmState.Stopped or VmState.Crashed,
        _ => false,
    };

    /// <summary>Throws <see cref="VmStateException"/> unless the request is allowed.</summary>
    public static void Require(string vm, VmState state, VmAction action)
    {
        if (!IsAllowed(state, action))
        {
            throw new VmStateException(vm, state, action);
        }
    }

    /// <summary>True for the states in which the VM holds no resources.</summary>
    public static bool IsAtRest(VmState state) => state is VmState.Created or VmState.Stopped or VmState.Crashed;
}
