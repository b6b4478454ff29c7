namespace Vireo.Devices.Test;

/// <summary>What the guest asked the SiFive test device ("finisher") to do.</summary>
public enum PowerEventKind
{
    /// <summary>Power off after a successful run (0x5555): the VM process exits with status 0.</summary>
    Poweroff,

    /// <summary>Reset the machine (0x7777).</summary>
    Reset,

    /// <summary>Power off reporting a failure (0x3333 | code &lt;&lt; 16).</summary>
    Fail,
}
