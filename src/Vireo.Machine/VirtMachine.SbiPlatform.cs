using Vireo.Machine.Firmware;

namespace Vireo.Machine;

public sealed partial class VirtMachine
{
    /// <summary>The board services the built-in SBI calls into: the console and system reset.</summary>
    private sealed class SbiPlatform(VirtMachine machine) : ISbiPlatform
    {
        public void ConsoleWrite(ReadOnlySpan<byte> bytes) => machine.WriteConsole(bytes);

        // As on QEMU with OpenSBI, the SBI console reads what the UART received (its host input); with a virtio
        // console the keyboard goes there instead and the SBI console has nothing to read.
        public int ConsoleRead() => machine._virtioConsole is null ? machine._uart.TryReadReceived() : -1;

        public void SystemReset(SystemResetKind kind, bool failure)
        {
            if (failure)
            {
                machine.SignalExit(new MachineExit(MachineExitKind.GuestFailure, 1, "guest requested a system reset for a failure"), reboot: false);
            }
            else if (kind == SystemResetKind.Shutdown)
            {
                machine.SignalExit(new MachineExit(MachineExitKind.PowerOff, 0, "guest powered off"), reboot: false);
            }
            else
            {
                machine.SignalExit(new MachineExit(MachineExitKind.Reset, 0, "guest reset"), reboot: true);
            }
        }
    }
}
