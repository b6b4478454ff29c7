using System.CommandLine;

namespace Vireo.Cli;

/// <summary>Builds the <c>vireo</c> command tree. Each sub-command lives in its own folder and file.</summary>
internal static class CommandTree
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Vireo: a hosted hypervisor that runs RISC-V (RV64GC) virtual machines in software.");
        root.Subcommands.Add(Disk.DiskCommand.Create());
        root.Subcommands.Add(Guest.GuestCommand.Create());
        root.Subcommands.Add(Dtb.DtbCommand.Create());
        root.Subcommands.Add(Run.RunCommand.Create());
        root.Subcommands.Add(Serve.ServeCommand.Create());
        root.Subcommands.Add(Vm.VmCommand.Create());
        root.Subcommands.Add(Vm.TopCommand.Create());
        root.Subcommands.Add(Vm.EventsCommand.Create());
        root.Subcommands.Add(Switch.SwitchCommand.Create());
        return root;
    }
}
