namespace Vireo.Host.Lifecycle;

/// <summary>A lifecycle request that the VM's state does not allow (HTTP 409).</summary>
public sealed class VmStateException : Exception
{
    public VmStateException(string vm, VmState state, VmAction action)
        : base($"cannot {action.ToString().ToLowerInvariant()} VM '{vm}' while it is {state.ToString().ToLowerInvariant()}")
    {
        Vm = vm;
        State = state;
        Action = action;
    }

    public VmStateException()
        : this(string.Empty, VmState.Created, VmAction.Start)
    {
    }

    public VmStateException(string message)
        : base(message)
    {
        Vm = string.Empty;
    }

    public VmStateException(string message, Exception innerException)
        : base(message, innerException)
    {
        Vm = string.Empty;
    }

    /// <summary>The VM's name.</summary>
    public string Vm { get; }

    /// <summary>The state it was in.</summary>
    public VmState State { get; }

    /// <summary>What was asked.</summary>
    public VmAction Action { get; }
}
