namespace Vireo.Machine.Firmware;

/// <summary>SBI error codes returned in a0.</summary>
internal static class SbiError
{
    public const long Success = 0;
    public const long Failed = -1;
    public const long NotSupported = -2;
    public const long InvalidParam = -3;
    public const long Denied = -4;
    public const long InvalidAddress = -5;
    public const long AlreadyAvailable = -6;
    public const long AlreadyStarted = -7;
    public const long AlreadyStopped = -8;
}
