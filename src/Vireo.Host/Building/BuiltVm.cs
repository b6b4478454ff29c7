using Vireo.Machine;

namespace Vireo.Host.Building;

/// <summary>
/// A machine built from a spec together with every resource opened for it (disk images, network back-ends).
/// Disposing it releases all of them, the machine first (its devices stop using the back-ends), then the resources
/// in reverse order of opening.
/// </summary>
public sealed class BuiltVm : IDisposable
{
    private readonly List<IDisposable> _resources;
    private bool _disposed;

    internal BuiltVm(VirtMachine machine, List<IDisposable> resources, string commandLine)
    {
        Machine = machine;
        _resources = resources;
        CommandLine = commandLine;
    }

    /// <summary>The board.</summary>
    public VirtMachine Machine { get; }

    /// <summary>The virtio devices plugged into the board, in order (disks, then network cards).</summary>
    public IReadOnlyList<Vireo.Devices.Virtio.VirtioDevice> Devices => Machine.Config.ExtraDevices;

    /// <summary>The kernel command line the guest was given.</summary>
    public string CommandLine { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Machine.Dispose();
        for (int i = _resources.Count - 1; i >= 0; i--)
        {
            _resources[i].Dispose();
        }
    }
}
