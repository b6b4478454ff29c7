namespace Vireo.Storage.Qcow2;

/// <summary>What a host cluster of a qcow2 file holds, for the overlap checks before every write.</summary>
internal enum Qcow2Section
{
    /// <summary>Guest data, or a cluster not yet part of any structure (a fresh allocation).</summary>
    Data,

    /// <summary>The header cluster (cluster 0).</summary>
    Header,

    /// <summary>The L1 table.</summary>
    L1Table,

    /// <summary>The refcount table.</summary>
    RefcountTable,

    /// <summary>A refcount block.</summary>
    RefcountBlock,

    /// <summary>An L2 table.</summary>
    L2Table,

    /// <summary>The internal snapshot table.</summary>
    SnapshotTable,
}
