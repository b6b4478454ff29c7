namespace Vireo.Core.Throttling;

/// <summary>Which of a disk's buckets a request draws from.</summary>
public enum IoKind
{
    /// <summary>A read: the total and read buckets.</summary>
    Read,

    /// <summary>A write, discard or write-zeroes: the total and write buckets.</summary>
    Write,
}
