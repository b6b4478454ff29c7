namespace Vireo.Storage.Tests.Interop;

/// <summary>A theory that needs qemu-img and qemu-io (Debian qemu-utils): skipped, with the reason, when they are not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class QemuTheoryAttribute : TheoryAttribute
{
    public QemuTheoryAttribute()
    {
        if (!QemuTools.Available)
        {
            Skip = QemuFactAttribute.MissingReason;
        }
    }
}
