namespace Vireo.Storage;

/// <summary>The on-disk formats of a disk image.</summary>
public enum DiskFormat
{
    /// <summary>A plain file, byte for byte the virtual disk (sparse where the host allows).</summary>
    Raw,

    /// <summary>QEMU copy-on-write version 2 or 3 (<c>docs/interop/qcow2.txt</c>).</summary>
    Qcow2,
}
