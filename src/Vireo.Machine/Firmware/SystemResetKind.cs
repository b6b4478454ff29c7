namespace Vireo.Machine.Firmware;

/// <summary>What a guest-requested system reset does.</summary>
public enum SystemResetKind
{
    /// <summary>Power off.</summary>
    Shutdown,

    /// <summary>Reset the machine and boot again.</summary>
    Reboot,
}
