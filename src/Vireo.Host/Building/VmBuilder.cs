using Vireo.Cpu;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;
using Vireo.Devices.Virtio.Block;
using Vireo.Devices.Virtio.Input;
using Vireo.Devices.Virtio.Net;
using Vireo.Devices.Virtio.Vsock;
using Vireo.Host.Specs;
using Vireo.Machine;
using Vireo.Network;
using Vireo.Network.Packets;
using Vireo.Scheduling;
using Vireo.Storage;

namespace Vireo.Host.Building;

/// <summary>
/// Turns a <see cref="VmSpec"/> into a <see cref="BuiltVm"/>: validates it, finds the boot images, opens every disk
/// and network back-end and assembles the board. On any failure everything opened so far is released, so a failed
/// build leaks nothing (no image lock, no socket).
/// </summary>
public static class VmBuilder
{
    /// <summary>Event id of the warnings an image open logs (a damaged image opened read-only...), for front ends that show them apart.</summary>
    public const int DiskWarningEventId = Log.DiskWarningId;

    /// <summary>Builds the VM (nothing runs until its machine's <see cref="VirtMachine.Run"/>).</summary>
    /// <exception cref="VmSpecException">The spec is invalid (every problem listed).</exception>
    /// <exception cref="VmBuildException">A resource could not be opened.</exception>
    public static BuiltVm Build(VmSpec spec, VmBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(context);
        VmSpecValidator.ThrowIfInvalid(spec, checkFiles: true);
        MachineConfig config = CreateConfig(spec, context);
        var resources = new List<IDisposable>();
        try
        {
            OpenDisks(spec, context, config, resources);
            OpenNics(spec, context, config, resources);
            AddAgentDevices(spec, context, config, resources);
            VirtMachine machine;
            try
            {
                machine = new VirtMachine(config, CreateEngine(spec.Engine), context.ConsoleOutput, context.Time, context.Scheduler);
            }
            catch (SchedulerAdmissionException e)
            {
                throw new VmBuildException("cpu", e.Message, e);
            }

            machine.Diagnostics = message => Log.DeviceDiagnostic(context.Logger, message);
            return new BuiltVm(machine, resources, config.CommandLine);
        }
        catch
        {
            for (int i = resources.Count - 1; i >= 0; i--)
            {
                resources[i].Dispose();
            }

            throw;
        }
    }

    /// <summary>The kernel command line a spec gives the guest: the console, earlycon, then the spec's own parameters.</summary>
    public static string CommandLine(VmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string console = spec.Console == "virtio" ? "console=hvc0" : "console=ttyS0";
        return string.IsNullOrEmpty(spec.Append) ? $"{console} earlycon" : $"{console} earlycon {spec.Append}";
    }

    private static ICpuEngine CreateEngine(string name) => name == "interpreter" ? new InterpreterEngine() : new JitEngine();

    private static MachineConfig CreateConfig(VmSpec spec, VmBuildContext context)
    {
        var config = new MachineConfig
        {
            MemorySize = spec.Memory,
            CpuCount = spec.Cpus,
            Name = spec.Name,
            Cpu = spec.Cpu,
            NoReboot = spec.NoReboot,
            Console = spec.Console == "virtio" ? ConsoleDevice.Virtio : ConsoleDevice.Serial,
            FirmwarePath = spec.Firmware is null or "builtin" ? null : spec.Firmware,
            KernelPath = spec.Kernel,
            InitrdPath = spec.Initrd,
            Balloon = spec.Balloon,
        };

        // A root= parameter means the root file system comes from a disk, so the default initramfs stays out.
        bool rootFromDisk = spec.Append is not null && spec.Append.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(static p => p.StartsWith("root=", StringComparison.Ordinal));
        bool firmwareOnly = spec.Kernel is null && config.FirmwarePath is not null && spec.Initrd is null;
        if (spec.Kernel is null && !firmwareOnly)
        {
            GuestImages images = context.GuestImages.TryGetDefault(out string error) ?? throw new VmBuildException("kernel", error);
            config.KernelPath = images.Kernel;
            if (!rootFromDisk)
            {
                config.InitrdPath ??= images.Initrd;
            }
        }

        config.CommandLine = CommandLine(spec);
        if (config.CommandLine.Length > VmSpecValidator.MaxCommandLine)
        {
            throw new VmSpecException([new SpecError("append", $"makes a kernel command line of {config.CommandLine.Length} characters; the guest kernel holds at most {VmSpecValidator.MaxCommandLine}")]);
        }

        return config;
    }

    private static void OpenDisks(VmSpec spec, VmBuildContext context, MachineConfig config, List<IDisposable> resources)
    {
        for (int i = 0; i < spec.Disks.Count; i++)
        {
            VmDiskSpec disk = spec.Disks[i];
            DiskFormat? format = disk.Format is null ? null : DiskImage.ParseFormat(disk.Format);
            IBlockDevice image;
            try
            {
                int index = i;
                image = DiskImage.Open(disk.Path, format, disk.ReadOnly, DiskImage.ParseCacheMode(disk.Cache), message => Log.DiskWarning(context.Logger, index, message));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new VmBuildException($"disks[{i}].path", $"{disk.Path}: {e.Message}", e);
            }

            resources.Add(image);
            config.ExtraDevices.Add(new VirtioBlockDevice(image, image.IsReadOnly, $"vireo-disk{i}", limits: disk.Limits));
        }
    }

    /// <summary>After the disks, so the guest's probe order still makes the first disk /dev/vda.</summary>
    private static void AddAgentDevices(VmSpec spec, VmBuildContext context, MachineConfig config, List<IDisposable> resources)
    {
        if (spec.Vsock is { } vsock)
        {
            var device = new VirtioVsockDevice(vsock.GuestCid);
            config.ExtraDevices.Add(device);
            if (vsock.UnixPath is { } path)
            {
                try
                {
                    resources.Add(new HybridVsockHost(device, path, message => Log.DeviceDiagnostic(context.Logger, message)));
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException)
                {
                    throw new VmBuildException("vsock.unix_path", $"{path}: {e.Message}", e);
                }
            }
        }

        if (spec.PowerButton)
        {
            config.ExtraDevices.Add(new VirtioInputDevice());
        }
    }

    private static void OpenNics(VmSpec spec, VmBuildContext context, MachineConfig config, List<IDisposable> resources)
    {
        for (int i = 0; i < spec.Nics.Count; i++)
        {
            VmNicSpec nic = spec.Nics[i];
            NetworkSpec network = NetworkSpec.Parse(nic.Backend);
            INetworkBackend backend;
            try
            {
                backend = NetworkBackendFactory.Create(network);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException or NetworkOptionsException)
            {
                throw new VmBuildException($"nics[{i}].backend", e.Message, e);
            }

            resources.Add(backend);
            MacAddress mac = nic.Mac is not null && MacAddress.TryParse(nic.Mac, out MacAddress? parsed)
                ? parsed.Value
                : VirtioNetDevice.DefaultMac($"{context.Identity}#{i}");
            config.ExtraDevices.Add(new VirtioNetDevice(backend, mac, network.Limits));
        }
    }
}
