using System.Text.RegularExpressions;
using Vireo.Machine;
using Vireo.Machine.Devices;
using Vireo.Network;
using Vireo.Network.Packets;

namespace Vireo.Host.Specs;

/// <summary>
/// Checks a <see cref="VmSpec"/> and reports every problem at once, each with its field path. Touches the file system
/// only when asked to (<c>checkFiles</c>), and then only with <c>stat</c>-like calls: nothing is opened.
/// </summary>
public static partial class VmSpecValidator
{
    /// <summary>Longest kernel command line the guest takes (Linux riscv COMMAND_LINE_SIZE is 1024, with the NUL).</summary>
    public const int MaxCommandLine = 1023;

    /// <summary>Returns every problem with <paramref name="spec"/>; empty when it is valid.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="checkFiles">Also check that the files it names exist and are of the right kind.</param>
    public static IReadOnlyList<SpecError> Validate(VmSpec spec, bool checkFiles)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<SpecError>();
        if (!NamePattern().IsMatch(spec.Name ?? string.Empty))
        {
            errors.Add(new SpecError("name", "must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"));
        }

        if (!NamePattern().IsMatch(spec.Project ?? string.Empty))
        {
            errors.Add(new SpecError("project", "must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"));
        }

        if (spec.Cpus < 1 || spec.Cpus > MachineConfig.MaxCpus)
        {
            errors.Add(new SpecError("cpus", $"must be between 1 and {MachineConfig.MaxCpus} (got {spec.Cpus})"));
        }

        if (spec.Cpu is null)
        {
            errors.Add(new SpecError("cpu", "must be given"));
        }
        else if (spec.Cpu.Check(Math.Max(1, spec.Cpus)) is string cpuError)
        {
            errors.Add(new SpecError("cpu", cpuError));
        }

        if (spec.Memory < MachineConfig.MinMemory || spec.Memory > MachineConfig.MaxMemory)
        {
            errors.Add(new SpecError("memory", $"must be between 16M and 64G (got {spec.Memory} bytes)"));
        }
        else if ((spec.Memory & 0xfff) != 0)
        {
            errors.Add(new SpecError("memory", "must be a multiple of 4K"));
        }

        if (spec.Console is not ("serial" or "virtio"))
        {
            errors.Add(new SpecError("console", $"must be serial or virtio (got '{spec.Console}')"));
        }

        if (spec.Engine is not ("jit" or "interpreter"))
        {
            errors.Add(new SpecError("engine", $"must be jit or interpreter (got '{spec.Engine}')"));
        }

        if (spec.Append is { } append && append.Length > MaxCommandLine)
        {
            errors.Add(new SpecError("append", $"is {append.Length} characters; the guest kernel's command line holds at most {MaxCommandLine}"));
        }

        if (checkFiles)
        {
            CheckFile(errors, "kernel", spec.Kernel);
            CheckFile(errors, "initrd", spec.Initrd);
            if (spec.Firmware is not null and not "builtin")
            {
                CheckFile(errors, "firmware", spec.Firmware);
            }
        }

        ValidateDisks(spec, checkFiles, errors);
        ValidateNics(spec, errors);
        if (spec.Vsock?.Validate() is string vsockProblem)
        {
            errors.Add(new SpecError("vsock", vsockProblem));
        }

        int devices = spec.Disks.Count + spec.Nics.Count + (spec.Console == "virtio" ? 1 : 0) + (spec.Balloon is null ? 0 : 1)
            + (spec.Vsock is null ? 0 : 1) + (spec.PowerButton ? 1 : 0);
        if (devices > VirtMemoryMap.VirtioCount)
        {
            errors.Add(new SpecError("disks", $"{devices} virtio devices do not fit the board's {VirtMemoryMap.VirtioCount} slots"));
        }

        return errors;
    }

    /// <summary>Throws <see cref="VmSpecException"/> listing every problem, if there is any.</summary>
    public static void ThrowIfInvalid(VmSpec spec, bool checkFiles)
    {
        IReadOnlyList<SpecError> errors = Validate(spec, checkFiles);
        if (errors.Count > 0)
        {
            throw new VmSpecException(errors);
        }
    }

    /// <summary>True for a valid VM or project name.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    private static void ValidateDisks(VmSpec spec, bool checkFiles, List<SpecError> errors)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < spec.Disks.Count; i++)
        {
            VmDiskSpec disk = spec.Disks[i];
            string at = $"disks[{i}]";
            if (disk is null || string.IsNullOrEmpty(disk.Path))
            {
                errors.Add(new SpecError($"{at}.path", "is required"));
                continue;
            }

            if (disk.Format is not (null or "raw" or "qcow2"))
            {
                errors.Add(new SpecError($"{at}.format", $"must be raw or qcow2 (got '{disk.Format}')"));
            }

            if (disk.Cache is not ("writeback" or "none" or "unsafe"))
            {
                errors.Add(new SpecError($"{at}.cache", $"must be writeback, none or unsafe (got '{disk.Cache}')"));
            }

            string key = checkFiles ? Path.GetFullPath(disk.Path) : disk.Path;
            if (seen.TryGetValue(key, out int first))
            {
                errors.Add(new SpecError($"{at}.path", $"{disk.Path} is already attached as disks[{first}]"));
            }
            else
            {
                seen[key] = i;
            }

            if (checkFiles)
            {
                CheckFile(errors, $"{at}.path", disk.Path);
            }
        }
    }

    private static void ValidateNics(VmSpec spec, List<SpecError> errors)
    {
        for (int i = 0; i < spec.Nics.Count; i++)
        {
            VmNicSpec nic = spec.Nics[i];
            string at = $"nics[{i}]";
            if (nic is null || string.IsNullOrEmpty(nic.Backend))
            {
                errors.Add(new SpecError($"{at}.backend", "is required"));
                continue;
            }

            try
            {
                NetworkSpec parsed = NetworkSpec.Parse(nic.Backend);
                if (parsed.Mac is not null)
                {
                    errors.Add(new SpecError($"{at}.backend", "give the MAC in the mac field, not in the back-end"));
                }
            }
            catch (NetworkOptionsException e)
            {
                errors.Add(new SpecError($"{at}.backend", e.Message));
            }

            if (nic.Mac is not null && (!MacAddress.TryParse(nic.Mac, out MacAddress? mac) || mac.Value.IsMulticast))
            {
                errors.Add(new SpecError($"{at}.mac", $"'{nic.Mac}' is not a unicast aa:bb:cc:dd:ee:ff address"));
            }
        }
    }

    private static void CheckFile(List<SpecError> errors, string field, string? path)
    {
        if (path is null)
        {
            return;
        }

        if (path.Length == 0)
        {
            errors.Add(new SpecError(field, "must not be empty"));
            return;
        }

        if (Directory.Exists(path))
        {
            errors.Add(new SpecError(field, $"{path}: is a directory"));
            return;
        }

        if (!File.Exists(path))
        {
            errors.Add(new SpecError(field, $"{path}: no such file"));
            return;
        }

        // FIFOs and devices pass File.Exists: the open layer (Vireo.Storage, the boot loader) refuses what it cannot use.
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex NamePattern();
}
