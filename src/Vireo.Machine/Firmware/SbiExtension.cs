namespace Vireo.Machine.Firmware;

/// <summary>SBI extension ids (a7), from the RISC-V SBI specification v2.0.</summary>
internal static class SbiExtension
{
    public const ulong LegacySetTimer = 0x00;
    public const ulong LegacyConsolePutchar = 0x01;
    public const ulong LegacyConsoleGetchar = 0x02;
    public const ulong LegacyClearIpi = 0x03;
    public const ulong LegacySendIpi = 0x04;
    public const ulong LegacyRemoteFenceI = 0x05;
    public const ulong LegacyRemoteSfenceVma = 0x06;
    public const ulong LegacyRemoteSfenceVmaAsid = 0x07;
    public const ulong LegacyShutdown = 0x08;
    public const ulong Base = 0x10;
    public const ulong Time = 0x54494D45;
    public const ulong Ipi = 0x735049;
    public const ulong Rfence = 0x52464E43;
    public const ulong Hsm = 0x48534D;
    public const ulong Srst = 0x53525354;
    public const ulong Dbcn = 0x4442434E;
}
