using System.CommandLine;

namespace Vireo.Cli.Run;

/// <summary>The options that describe a VM, shared by <c>run</c> and any command that needs the same board.</summary>
internal sealed class RunOptions
{
    public Option<string?> Kernel { get; } = new("--kernel") { Description = "Kernel to boot: a RISC-V Linux Image or an ELF file (default: the default guest's)" };

    public Option<string?> Initrd { get; } = new("--initrd") { Description = "Initial RAM disk (default: the default guest's, when booting it)" };

    public Option<string?> Append { get; } = new("--append") { Description = "Extra kernel command-line parameters, added to the default ones (a root= parameter boots from a disk instead of the initramfs)" };

    public Option<string> Memory { get; } = new("--memory", "-m") { Description = "Guest RAM, 16M to 64G", DefaultValueFactory = _ => "256M" };

    public Option<int> Cpus { get; } = new("--cpus", "-c") { Description = "Number of harts, 1 to 64 (the default guest kernel brings up at most 8)", DefaultValueFactory = _ => 1 };

    public Option<string> Bios { get; } = new("--bios") { Description = "M-mode firmware: 'builtin' (host SBI, no firmware) or a file (OpenSBI fw_jump.bin / fw_dynamic.bin, a bare-metal ELF)", DefaultValueFactory = _ => "builtin" };

    public Option<string> Serial { get; } = new("--serial") { Description = "Where the UART goes: stdio, file:PATH or none", DefaultValueFactory = _ => "stdio" };

    public Option<string> Console { get; } = new("--console") { Description = "Guest console device: serial (ttyS0) or virtio (hvc0)", DefaultValueFactory = _ => "serial" };

    public Option<string?> Exec { get; } = new("--exec") { Description = "Run CMD in the default guest's shell, stream its output, power off and exit with its status (any length: a command too long for the kernel command line goes in the initramfs)" };

    public Option<string[]> Disks { get; } = new("--disk") { Description = "Attach a disk: PATH[,format=raw|qcow2][,readonly=on][,cache=writeback|none|unsafe] (repeat for vdb, vdc...); limits: bps=/iops= (reads+writes), rbps=/riops= (reads), wbps=/wiops= (writes), burst=BYTES (one-time), weight=1-10000 (e.g. bps=20M,iops=500; K/M/G are 1024)", AllowMultipleArgumentsPerToken = false };

    public Option<string[]> Nets { get; } = new("--net") { Description = "Attach a network card: user[,hostfwd=tcp:127.0.0.1:8080-:80][,restrict=on][,mac=..], switch:PATH or tap:IFNAME; limits each way: bps=/pps= (txbps=, rxbps=, txpps=, rxpps= for one way), burst=BYTES" };

    public Option<string?> Balloon { get; } = new("--balloon") { Description = "Add a virtio-balloon: [deflate-on-oom=on|off][,free-page-reporting=on|off][,stats-interval=2s][,size=SIZE] (all on, 2 s, no initial size by default)", Arity = ArgumentArity.ZeroOrOne };

    public Option<string?> Vsock { get; } = new("--vsock") { Description = "Attach virtio-vsock: PATH[,cid=N] (Firecracker hybrid vsock: CONNECT <port> on PATH reaches a guest port, guest connections to host port P go to PATH_P; cid defaults to 3)" };

    public Option<bool> PowerButton { get; } = new("--power-button") { Description = "Attach a virtio-input power button; SIGTERM presses it, so the guest shuts down in order" };

    public Option<bool> Timings { get; } = new("--timings") { Description = "At exit, print to stderr how long startup took (process start to the first guest instruction) and how long the guest ran" };

    public Option<string> Engine { get; } = new("--engine") { Description = "How guest instructions run: jit (hot code compiled to host code, the rest interpreted) or interpreter", DefaultValueFactory = _ => "jit" };

    /// <summary>CPU controls and the vCPU scheduler.</summary>
    public CpuSchedulingOptions Cpu { get; } = new();

    public Option<bool> NoReboot { get; } = new("--no-reboot") { Description = "Exit instead of rebooting when the guest resets" };

    /// <summary>Adds the options that describe the VM itself (not this terminal's serial or timings): <c>vm create</c>.</summary>
    public void AddVmOptionsTo(Command command)
    {
        AddTo(command);
        command.Options.Remove(Serial);
        command.Options.Remove(Timings);
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Kernel);
        command.Options.Add(Initrd);
        command.Options.Add(Append);
        command.Options.Add(Memory);
        command.Options.Add(Cpus);
        command.Options.Add(Engine);
        command.Options.Add(Bios);
        command.Options.Add(Serial);
        command.Options.Add(Console);
        command.Options.Add(Exec);
        command.Options.Add(Disks);
        command.Options.Add(Nets);
        command.Options.Add(Balloon);
        command.Options.Add(Vsock);
        command.Options.Add(PowerButton);
        command.Options.Add(NoReboot);
        command.Options.Add(Timings);
        Cpu.AddTo(command);
    }
}
