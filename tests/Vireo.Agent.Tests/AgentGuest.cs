using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vireo.Agent.Tests;

/// <summary>
/// A running default guest: <c>vireo run --vsock PATH --power-button</c> with its console in a file, and a
/// <see cref="GuestAgentClient"/> through the hybrid socket once the agent answers.
/// </summary>
internal sealed class AgentGuest : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private AgentGuest(Process process, string directory, GuestAgentClient client)
    {
        _process = process;
        _directory = directory;
        Client = client;
    }

    public GuestAgentClient Client { get; }

    public string ConsolePath => Path.Combine(_directory, "console.log");

    public string Console => File.Exists(ConsolePath) ? File.ReadAllText(ConsolePath) : string.Empty;

    public bool HasExited => _process.HasExited;

    /// <summary>Boots the guest with <paramref name="exec"/> as its command and waits until the agent answers.</summary>
    public static async Task<AgentGuest> BootAsync(string exec = "sleep 100000")
    {
        string directory = Path.Combine(Path.GetTempPath(), $"vireo-agent-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(directory);
        string socket = Path.Combine(directory, "v.sock");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "vireo.dll"), "run", "--memory", "512M", "--vsock", socket, "--power-button",
            "--serial", "file:" + Path.Combine(directory, "console.log"), "--exec", exec,
        })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start)!;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var client = GuestAgentClient.ForHybridSocket(socket);
        var guest = new AgentGuest(process, directory, client);
        try
        {
            // The socket appears once the VM is being built; the agent answers once the guest booted.
            var watch = Stopwatch.StartNew();
            while (!File.Exists(socket))
            {
                Assert.False(process.HasExited, $"vireo exited with {(process.HasExited ? process.ExitCode : 0)} before creating {socket}");
                Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), "vireo did not create the vsock socket");
                await Task.Delay(50);
            }

            await client.WaitReadyAsync(TimeSpan.FromMinutes(5));
            return guest;
        }
        catch
        {
            guest.Dispose();
            throw;
        }
    }

    /// <summary>Sends SIGTERM to vireo (which presses the power button).</summary>
    public void Terminate() => Assert.Equal(0, Kill(_process.Id, 15));

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
