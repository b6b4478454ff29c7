namespace Vireo.Cli.Tests.Integration;

/// <summary>
/// Wrong command lines (issue 19, items 5, 12 and 13) get one line that names the mistake and a defined exit code, and
/// no guest boots: none of these needs the default guest.
/// </summary>
public sealed class CommandLineErrorTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(1);
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-cli-errors").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ExistingFile => Path.Combine(AppContext.BaseDirectory, "vireo.dll");

    [Theory]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("frobnicate", "unknown command 'frobnicate'")]
    public void AnUnknownTopLevelTokenIsNamed(string token, string message)
    {
        VireoProcess.Result result = VireoProcess.Run(s_timeout, token);
        AssertOneLine(result, ExitCodes.BadInput, message);
    }

    [Fact]
    public void AnUnknownRunOptionIsNamedAndIsNotAGuestStatus()
    {
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--bogus");
        AssertOneLine(result, ExitCodes.RunNotStarted, "unknown option '--bogus' (see vireo run --help)");
    }

    [Theory]
    [InlineData("--kernel")]
    [InlineData("--initrd")]
    [InlineData("--bios")]
    public void ADirectoryAsABootImageSaysSo(string option)
    {
        string[] args = option == "--kernel" ? ["run", option, _dir] : ["run", "--kernel", ExistingFile, option, _dir];
        VireoProcess.Result result = VireoProcess.Run(s_timeout, args);
        AssertOneLine(result, ExitCodes.RunNotStarted, $"{option}: {_dir}: is a directory");
    }

    [Fact]
    public void ADirectoryAsTheSerialFileSaysSo()
    {
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--kernel", ExistingFile, "--serial", "file:" + _dir);
        AssertOneLine(result, ExitCodes.RunNotStarted, $"--serial: {_dir}: is a directory");
    }

    [Fact]
    public void TheSameDiskTwiceSaysSo()
    {
        string disk = Path.Combine(_dir, "d.img");
        File.WriteAllBytes(disk, new byte[1 << 20]);
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--kernel", ExistingFile, "--disk", disk, "--disk", disk);
        AssertOneLine(result, ExitCodes.RunNotStarted, $"--disk: {disk} is already attached as disks[0]");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void AnEmptyExecCommandIsRefused(string command)
    {
        // It used to boot to an interactive shell that never exited.
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--kernel", ExistingFile, "--exec", command);
        AssertOneLine(result, ExitCodes.RunNotStarted, "--exec: the command is empty");
    }

    [Fact]
    public void AnAppendTooLongForTheKernelCommandLineIsRefusedBeforeTheExecIsLost()
    {
        // It used to push vireo.exec= off the end of the kernel's 1023 characters: a shell that never exited.
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--kernel", ExistingFile, "--append", "x=" + new string('y', 2998), "--exec", "true");
        AssertOneLine(result, ExitCodes.RunNotStarted, "--append: makes a kernel command line of 3023 characters; the guest kernel holds at most 1023");
    }

    [Fact]
    public void ALongExecWithoutAnInitramfsIsRefusedNamingTheLimit()
    {
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--kernel", ExistingFile, "--exec", "echo " + new string('x', 1500));
        AssertOneLine(result, ExitCodes.RunNotStarted, "does not fit the kernel command line (1023 characters in all)");
    }

    [Fact]
    public void RunHelpCarriesTheExitStatusTable()
    {
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--help");
        Assert.Equal(ExitCodes.Success, result.ExitCode);
        string help = string.Join(' ', result.Stdout.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("125 no guest ran (bad input", help, StringComparison.Ordinal);
        Assert.Contains("126 the VM crashed", help, StringComparison.Ordinal);
        Assert.Contains("128+N stopped by signal N", help, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBoardCarriesAll64HartsInTheDeviceTree()
    {
        // --cpus 64 stays: the device tree, PLIC and CLINT describe every hart (the default guest kernel uses 8).
        string dtb = Path.Combine(_dir, "virt.dtb");
        Assert.Equal(ExitCodes.Success, VireoProcess.Run(s_timeout, "dtb", "--cpus", "64", "--out", dtb).ExitCode);
        (int exit, string dts) = HostTool.Run("dtc", "-I", "dtb", "-O", "dts", dtb);
        Assert.True(exit == 0, dts);
        Assert.Equal(64, System.Text.RegularExpressions.Regex.Count(dts, @"\bcpu@[0-9a-f]+ \{"));
        string plic = dts[dts.IndexOf("plic@", StringComparison.Ordinal)..];
        plic = plic[(plic.IndexOf("interrupts-extended = <", StringComparison.Ordinal) + 23)..];
        string contexts = plic[..plic.IndexOf(">;", StringComparison.Ordinal)];

        // Two contexts (M and S external interrupts) of two cells per hart.
        Assert.Equal(64 * 2 * 2, contexts.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void MoreHartsThanTheDefaultKernelBringsUpAreWarnedAbout()
    {
        // A bad console (checked with the whole spec) stops the run after the warning, before anything boots.
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--cpus", "64", "--console", "pigeon", "--exec", "nproc");
        Assert.Equal(ExitCodes.RunNotStarted, result.ExitCode);
        Assert.Contains("vireo: warning: the default guest kernel runs at most 8 CPUs (CONFIG_NR_CPUS); harts 8-63 stay offline", result.Stderr, StringComparison.Ordinal);
    }

    private static void AssertOneLine(VireoProcess.Result result, int exitCode, string message)
    {
        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.Stderr);
        Assert.StartsWith("vireo: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(message, lines[0], StringComparison.Ordinal);
    }
}
