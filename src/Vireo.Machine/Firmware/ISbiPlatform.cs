namespace Vireo.Machine.Firmware;

/// <summary>What the built-in SBI needs from the board: a debug console and system reset.</summary>
public interface ISbiPlatform
{
    /// <summary>Writes bytes to the SBI debug console (legacy putchar, DBCN).</summary>
    void ConsoleWrite(ReadOnlySpan<byte> bytes);

    /// <summary>Reads one pending console byte, or -1 when none is waiting.</summary>
    int ConsoleRead();

    /// <summary>SRST / legacy shutdown: the guest asked the machine to power off or reset.</summary>
    void SystemReset(SystemResetKind kind, bool failure);
}
