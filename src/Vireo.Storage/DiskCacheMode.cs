namespace Vireo.Storage;

/// <summary>How an image file uses the host page cache (the <c>cache=</c> option of <c>--disk</c>, as in QEMU).</summary>
public enum DiskCacheMode
{
    /// <summary>Through the host page cache; a guest flush fsyncs. The default.</summary>
    Writeback,

    /// <summary>
    /// Bypasses the host page cache (O_DIRECT), so guest data is not cached twice; a guest flush still fsyncs (the
    /// device's own write cache). Refused where the host file system does not support O_DIRECT.
    /// </summary>
    None,

    /// <summary>Through the host page cache and every flush ignored: fast, and a host crash may lose or corrupt data.</summary>
    Unsafe,
}
