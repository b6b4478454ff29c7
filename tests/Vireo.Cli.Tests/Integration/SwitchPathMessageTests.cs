namespace Vireo.Cli.Tests.Integration;

/// <summary>Issue 19 item 13: a missing switch socket or socket directory is reported as missing (exit 125 from run, 2 from switch serve).</summary>
public sealed class SwitchPathMessageTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(1);

    [Fact]
    public void Run_with_a_missing_switch_socket_says_the_path_does_not_exist()
    {
        string kernel = Path.Combine(AppContext.BaseDirectory, "vireo.dll"); // exists: only --net is wrong
        VireoProcess.Result result = VireoProcess.Run(
            s_timeout, "run", "--kernel", kernel, "--serial", "none", "--net", "switch:/nonexistent");
        Assert.Equal(ExitCodes.RunNotStarted, result.ExitCode);
        Assert.Contains("/nonexistent does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Switch_serve_in_a_missing_directory_says_the_directory_does_not_exist()
    {
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "switch", "serve", "/nonexistent/dir/sock");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("directory /nonexistent/dir does not exist", result.Stderr, StringComparison.Ordinal);
    }
}
