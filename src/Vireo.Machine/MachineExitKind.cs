namespace Vireo.Machine;

/// <summary>Why a VM stopped running.</summary>
public enum MachineExitKind
{
    /// <summary>The guest powered off (SiFive test 0x5555, SBI shutdown).</summary>
    PowerOff,

    /// <summary>The guest asked for a reset and the VM was configured not to reboot.</summary>
    Reset,

    /// <summary>The guest reported failure: a fail code on the test device, a kernel panic, a failed SBI reset, a stuck hart.</summary>
    Failure,

    /// <summary>The host stopped the VM (Ctrl-A X, a signal, the API).</summary>
    Stopped,
}
