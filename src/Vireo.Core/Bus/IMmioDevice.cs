namespace Vireo.Core.Bus;

/// <summary>
/// A device register window on the guest physical bus. Accesses arrive from any hart's thread, so implementations
/// must be thread-safe. A guest can write anything to any register: implementations never throw on guest input.
/// </summary>
public interface IMmioDevice
{
    /// <summary>Short name used in logs and the device tree (for example "uart").</summary>
    string Name { get; }

    /// <summary>Length in bytes of the register window.</summary>
    ulong Size { get; }

    /// <summary>Reads <paramref name="size"/> bytes (1, 2, 4 or 8) at <paramref name="offset"/> in the window.</summary>
    /// <returns>The value, zero-extended. Unimplemented registers read as zero.</returns>
    ulong Read(ulong offset, int size);

    /// <summary>Writes the low <paramref name="size"/> bytes (1, 2, 4 or 8) of <paramref name="value"/> at <paramref name="offset"/>.</summary>
    void Write(ulong offset, int size, ulong value);
}
