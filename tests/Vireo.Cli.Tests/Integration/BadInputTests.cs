namespace Vireo.Cli.Tests.Integration;

/// <summary>Bad input to <c>vireo run</c> gives one clear line on stderr and exit code 125 (no guest ran), never a stack trace.</summary>
public sealed class BadInputTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData("--kernel", "/nonexistent/Image")]
    [InlineData("--memory", "8M")]
    [InlineData("--memory", "lots")]
    [InlineData("--cpus", "0")]
    [InlineData("--serial", "carrier-pigeon")]
    [InlineData("--bogus-option", "1")]
    public void BadOptionsExitWithRunNotStartedAndOneLine(string option, string value)
    {
        string kernel = Path.Combine(AppContext.BaseDirectory, "vireo.dll"); // exists, so only the option under test is wrong
        string[] args = option == "--kernel" ? ["run", option, value] : ["run", "--kernel", kernel, option, value];
        VireoProcess.Result result = VireoProcess.Run(s_timeout, args);
        Assert.Equal(ExitCodes.RunNotStarted, result.ExitCode);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("vireo: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotAKernelIsRefused()
    {
        string kernel = Path.Combine(AppContext.BaseDirectory, "vireo.dll");
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--kernel", kernel, "--serial", "none");
        Assert.Equal(ExitCodes.RunNotStarted, result.ExitCode);
        Assert.Contains("not a kernel", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--kernel")]
    [InlineData("--bios")]
    [InlineData("--initrd")]
    public void AnEndlessImageFailsWithOneLineInsteadOfReadingForever(string option)
    {
        // /dev/zero never ends: the loader stops at the guest's RAM size (64 MiB here) and fails with exit 2.
        // --initrd goes with the default guest's kernel, which loads first.
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "run", "--memory", "64M", option, "/dev/zero", "--serial", "none");
        Assert.Equal(ExitCodes.RunNotStarted, result.ExitCode);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("/dev/zero: larger than guest RAM", lines[0], StringComparison.Ordinal);
    }
}
