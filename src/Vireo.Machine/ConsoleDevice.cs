namespace Vireo.Machine;

/// <summary>Which device carries the guest console.</summary>
public enum ConsoleDevice
{
    /// <summary>The NS16550A UART (Linux ttyS0).</summary>
    Serial,

    /// <summary>virtio-console (Linux hvc0).</summary>
    Virtio,
}
