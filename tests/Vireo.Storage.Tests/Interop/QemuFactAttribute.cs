namespace Vireo.Storage.Tests.Interop;

/// <summary>A fact that needs qemu-img and qemu-io (Debian qemu-utils): skipped, with the reason, when they are not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class QemuFactAttribute : FactAttribute
{
    public const string MissingReason = "qemu-img/qemu-io are not installed (Debian qemu-utils, listed in tests/apt-packages.txt)";

    public QemuFactAttribute()
    {
        if (!QemuTools.Available)
        {
            Skip = MissingReason;
        }
    }
}
