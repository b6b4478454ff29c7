namespace Vireo.Core.Interrupts;

/// <summary>A level-triggered interrupt wire from a device to an interrupt controller (PLIC source).</summary>
public interface IInterruptLine
{
    /// <summary>Drives the wire high (<c>true</c>) or low. Safe from any thread; repeating a level is harmless.</summary>
    void Set(bool level);
}
