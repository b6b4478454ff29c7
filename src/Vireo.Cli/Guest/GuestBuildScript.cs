using System.ComponentModel;
using System.Diagnostics;

namespace Vireo.Cli.Guest;

/// <summary>
/// Runs <c>guest/build.sh</c>, the one place that knows how guest images are built and where they are cached (the
/// inputs hash is computed only there, so the CLI and the script can never disagree about the directory).
/// </summary>
internal sealed class GuestBuildScript
{
    private const string ScriptRelativePath = "guest/build.sh";

    private GuestBuildScript(string repositoryRoot)
    {
        RepositoryRoot = repositoryRoot;
        ScriptPath = Path.Combine(repositoryRoot, ScriptRelativePath);
    }

    /// <summary>The Vireo repository root (the directory holding <c>guest/build.sh</c>).</summary>
    public string RepositoryRoot { get; }

    /// <summary>Full path of <c>guest/build.sh</c>.</summary>
    public string ScriptPath { get; }

    /// <summary>
    /// Finds the repository by walking up from the executable's directory (the launcher builds into
    /// <c>&lt;repo&gt;/.build/cli</c>, tests run from <c>&lt;repo&gt;/tests/.../bin</c>), then from the current directory.
    /// </summary>
    public static GuestBuildScript? TryLocate()
    {
        string? root = FindRootAbove(AppContext.BaseDirectory) ?? FindRootAbove(Environment.CurrentDirectory);
        return root is null ? null : new GuestBuildScript(root);
    }

    /// <summary>Like <see cref="TryLocate"/>, but a missing repository is a runtime failure with a clear message.</summary>
    public static GuestBuildScript Locate()
    {
        return TryLocate() ?? throw new GuestBuildException(
            $"cannot find {ScriptRelativePath}: run vireo from its repository (the guest images are built from it)");
    }

    /// <summary>Builds (or reuses) the guest images, streaming the script's progress to this process's console.</summary>
    /// <returns>The script's exit code (0 when the artifacts are ready).</returns>
    public int Build()
    {
        using Process process = Start(redirect: false);
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Asks the script for the artifacts directory of the current inputs.</summary>
    /// <param name="directory">The directory when it is built.</param>
    /// <param name="error">The script's one-line explanation otherwise.</param>
    public bool TryGetArtifactsDirectory(out string directory, out string error)
    {
        var cache = new GuestLocationCache(RepositoryRoot);
        if (cache.TryGet(out directory))
        {
            error = string.Empty;
            return true;
        }

        using Process process = Start(redirect: true, "--print-path");
        // Both streams are small; reading stderr asynchronously avoids a pipe deadlock regardless.
        Task<string> errorText = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (process.ExitCode == 0 && lines.Length > 0)
        {
            directory = lines[^1];
            error = string.Empty;
            cache.Store(directory);
            return true;
        }

        directory = string.Empty;
        error = LastLine(errorText.Result) ?? $"{ScriptRelativePath} --print-path failed with exit code {process.ExitCode}";
        return false;
    }

    private Process Start(bool redirect, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            WorkingDirectory = RepositoryRoot,
        };
        info.ArgumentList.Add(ScriptPath);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(info) ?? throw new GuestBuildException("cannot start bash to run " + ScriptRelativePath);
        }
        catch (Win32Exception e)
        {
            throw new GuestBuildException($"cannot start bash to run {ScriptRelativePath}: {e.Message}", e);
        }
    }

    private static string? LastLine(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return null;
        }

        // The script's own "error: " prefix; callers add "vireo: ".
        const string Prefix = "error: ";
        string last = lines[^1];
        return last.StartsWith(Prefix, StringComparison.Ordinal) ? last[Prefix.Length..] : last;
    }

    private static string? FindRootAbove(string start)
    {
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, ScriptRelativePath)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
